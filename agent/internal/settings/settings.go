// Package settings is the agent's configuration directory: agent.json (the
// server URL, how the server is pinned, the key path, the report interval),
// written by `pulse-agent enroll` and read by every other command. The
// provisioning token is never written there.
package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultDir is the default configuration directory.
const DefaultDir = "/etc/pulse"

// File is the settings file name inside the configuration directory.
const File = "agent.json"

// KeyFile is the default key file name inside the configuration directory.
const KeyFile = "pulse_id"

// Settings are what enrollment wrote.
type Settings struct {
	// Server is the core's agent listener URL (https://host:port).
	Server string `json:"server"`
	// ServerFingerprint pins the listener's certificate (SHA256:...).
	ServerFingerprint string `json:"server_fingerprint,omitempty"`
	// CAFile verifies the listener's certificate instead of a pin.
	CAFile string `json:"ca_file,omitempty"`
	// KeyPath is the agent's private key.
	KeyPath string `json:"key_path"`
	// Fingerprint is the enrolled key's fingerprint.
	Fingerprint string `json:"fingerprint"`
	// Interval is the metrics report interval (Go duration, default 30s).
	Interval string `json:"interval,omitempty"`
	// EnrolledAt is when the core enrolled the key.
	EnrolledAt time.Time `json:"enrolled_at"`
	// EnableDocker turns the docker module on (the --enable-docker flag
	// does too; unset, it is on when the engine's socket exists).
	EnableDocker *bool `json:"enable_docker,omitempty"`
	// DockerHost is the engine address (default DOCKER_HOST, else the
	// engine's unix socket).
	DockerHost string `json:"docker_host,omitempty"`
	// EnableCommands lets the agent execute actions the core sends
	// (--enable-commands); off by default.
	EnableCommands bool `json:"enable_commands,omitempty"`
	// EnableKubernetes turns the kubernetes module on (pulse-agent-k8s).
	EnableKubernetes bool `json:"enable_kubernetes,omitempty"`
	// Kubeconfig is the kubeconfig file (default KUBECONFIG, else in-cluster).
	Kubeconfig string `json:"kubeconfig,omitempty"`
}

// ReportInterval parses Interval (default 30s, at least 100ms: short
// intervals are for tests and benchmarks).
func (s *Settings) ReportInterval() (time.Duration, error) {
	if s.Interval == "" {
		return 30 * time.Second, nil
	}
	d, err := time.ParseDuration(s.Interval)
	if err != nil || d < 100*time.Millisecond {
		return 0, fmt.Errorf("interval %q in %s is not a duration of at least 100ms (e.g. \"30s\")", s.Interval, File)
	}
	return d, nil
}

// Load reads DIR/agent.json.
func Load(dir string) (*Settings, error) {
	p := filepath.Join(dir, File)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s not found: enroll first (pulse-agent enroll --server URL --token-file F --config-dir %s)", p, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if s.Server == "" || s.KeyPath == "" {
		return nil, fmt.Errorf("%s lacks server or key_path; enroll again", p)
	}
	if s.ServerFingerprint == "" && s.CAFile == "" {
		return nil, fmt.Errorf("%s pins no server (server_fingerprint or ca_file); the agent never trusts a server blindly", p)
	}
	return &s, nil
}

// Save writes DIR/agent.json (mode 0600) atomically.
func Save(dir string, s *Settings) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config dir: %w", err)
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	tmp := filepath.Join(dir, File+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write settings: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, File))
}
