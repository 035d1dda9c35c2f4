// Package service installs pulse-agent as a system service: a systemd unit
// (Type=notify, watchdog, hardening, a dedicated user), a launchd daemon
// plist, or a Windows service (LocalService, restart on failure). Install
// with a root other than "/" only writes the files into that staging
// directory, so tests compare them exactly.
package service

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Targets.
const (
	Systemd = "systemd"
	Launchd = "launchd"
	Windows = "windows"
)

// Fixed names.
const (
	SystemdUnitPath = "/etc/systemd/system/pulse-agent.service"
	LaunchdPlist    = "/Library/LaunchDaemons/com.pulse.agent.plist"
	LaunchdLabel    = "com.pulse.agent"
	WindowsName     = "PulseAgent"
	WindowsSpecPath = "/ProgramData/Pulse/service.json"
	ServiceUser     = "pulse-agent"
)

// DefaultTarget is the service manager of this OS.
func DefaultTarget() string {
	switch runtime.GOOS {
	case "darwin":
		return Launchd
	case "windows":
		return Windows
	}
	return Systemd
}

// Spec is what the service runs.
type Spec struct {
	// Binary is the installed pulse-agent executable.
	Binary string
	// ConfigDir holds agent.json and the key.
	ConfigDir string
	// StateDir holds the seq and the spool.
	StateDir string
	// User is the dedicated service user (systemd).
	User string
}

// DefaultSpec is the spec for target.
func DefaultSpec(target string) Spec {
	switch target {
	case Windows:
		return Spec{Binary: `C:\Program Files\Pulse\pulse-agent.exe`, ConfigDir: `C:\ProgramData\Pulse`, StateDir: `C:\ProgramData\Pulse\state`}
	case Launchd:
		return Spec{Binary: "/usr/local/bin/pulse-agent", ConfigDir: "/etc/pulse", StateDir: "/var/db/pulse-agent"}
	}
	return Spec{Binary: "/usr/local/bin/pulse-agent", ConfigDir: "/etc/pulse", StateDir: "/var/lib/pulse-agent", User: ServiceUser}
}

// File is one file an install writes.
type File struct {
	Path    string
	Mode    os.FileMode
	Content []byte
}

// systemdUnit and launchdPlist are the service files, with {{.Field}}
// placeholders filled from a Spec by render. (Plain substitution rather
// than text/template: the template package's reflection keeps every
// exported method in the binary, about 1 MB of the agent's size goal.)
const systemdUnit = `[Unit]
Description=Pulse agent: signed host telemetry for the Pulse core
Documentation=https://github.com/pulsehost/pulse
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
NotifyAccess=main
ExecStart={{.Binary}} run --config-dir {{.ConfigDir}} --state-dir {{.StateDir}}
User={{.User}}
Group={{.User}}
Restart=on-failure
RestartSec=5s
WatchdogSec=90s
TimeoutStartSec=30s
StateDirectory=pulse-agent
StateDirectoryMode=0700
ProtectSystem=full
PrivateTmp=true
CapabilityBoundingSet=
AmbientCapabilities=
NoNewPrivileges=yes
ProtectHome=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
MemoryMax=64M

[Install]
WantedBy=multi-user.target
`

const launchdPlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>com.pulse.agent</string>
	<key>ProgramArguments</key>
	<array>
		<string>{{.Binary}}</string>
		<string>run</string>
		<string>--config-dir</string>
		<string>{{.ConfigDir}}</string>
		<string>--state-dir</string>
		<string>{{.StateDir}}</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<true/>
	<key>ThrottleInterval</key>
	<integer>10</integer>
	<key>ProcessType</key>
	<string>Background</string>
	<key>StandardErrorPath</key>
	<string>/var/log/pulse-agent.log</string>
</dict>
</plist>
`

// WindowsService describes the Windows service registration; the real
// install (windows builds) registers exactly this with the SCM.
type WindowsService struct {
	Name          string   `json:"name"`
	DisplayName   string   `json:"display_name"`
	Description   string   `json:"description"`
	BinaryPath    string   `json:"binary_path"`
	Args          []string `json:"args"`
	StartType     string   `json:"start_type"`
	Account       string   `json:"account"`
	RecoveryDelay []string `json:"recovery_restart_delays"`
	ResetPeriod   string   `json:"recovery_reset_period"`
}

// WindowsSpec is the Windows service for spec.
func WindowsSpec(s Spec) WindowsService {
	return WindowsService{
		Name: WindowsName, DisplayName: "Pulse Agent", Description: "Signed host telemetry for the Pulse core",
		BinaryPath: s.Binary, Args: []string{"run", "--config-dir", s.ConfigDir, "--state-dir", s.StateDir},
		StartType: "automatic", Account: `NT AUTHORITY\LocalService`,
		RecoveryDelay: []string{"5s", "30s", "60s"}, ResetPeriod: "24h",
	}
}

// Files returns the files installing target writes.
func Files(target string, s Spec) ([]File, error) {
	switch target {
	case Systemd:
		return []File{{Path: SystemdUnitPath, Mode: 0o644, Content: render(systemdUnit, s, nil)}}, nil
	case Launchd:
		return []File{{Path: LaunchdPlist, Mode: 0o644, Content: render(launchdPlist, s, xmlText)}}, nil
	case Windows:
		j, _ := json.MarshalIndent(WindowsSpec(s), "", "  ")
		return []File{{Path: WindowsSpecPath, Mode: 0o644, Content: append(j, '\n')}}, nil
	}
	return nil, fmt.Errorf("unknown service target %q (want systemd, launchd or windows)", target)
}

// Install writes target's files under root and copies the running binary
// to spec.Binary there. With root "/", it also registers and starts the
// service (creating the dedicated user on systemd).
func Install(target, root string, s Spec, out io.Writer) error {
	files, err := Files(target, s)
	if err != nil {
		return err
	}
	live := root == "" || root == "/"
	if live && target != DefaultTarget() {
		return fmt.Errorf("install: target %s is not this system's (%s); use --root DIR to stage its files", target, DefaultTarget())
	}
	if target == Windows && live {
		return installWindows(s, out)
	}
	if err := copySelf(filepath.Join(root, s.Binary)); err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(root, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		if err := os.WriteFile(p, f.Content, f.Mode); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		fmt.Fprintf(out, "wrote %s\n", p)
	}
	if !live {
		return nil
	}
	return activate(target, s, out)
}

// Uninstall stops and removes the service and its files (not the key,
// the settings or the state).
func Uninstall(target, root string, s Spec, out io.Writer) error {
	files, err := Files(target, s)
	if err != nil {
		return err
	}
	live := root == "" || root == "/"
	if live {
		if target == Windows {
			return uninstallWindows(out)
		}
		deactivate(target, out)
	}
	for _, f := range files {
		p := filepath.Join(root, f.Path)
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("uninstall: %w", err)
		}
		fmt.Fprintf(out, "removed %s\n", p)
	}
	if live && target == Systemd {
		_ = run(out, "systemctl", "daemon-reload")
	}
	return nil
}

func copySelf(dst string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("install: locate pulse-agent: %w", err)
	}
	if s, _ := filepath.EvalSymlinks(self); s == dst {
		return nil
	}
	b, err := os.ReadFile(self)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	tmp := dst + ".new"
	if err := os.WriteFile(tmp, b, 0o755); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	return os.Rename(tmp, dst)
}

// render fills tmpl's {{.Binary}}, {{.ConfigDir}}, {{.StateDir}} and
// {{.User}} from s, each value passed through escape when it is set.
func render(tmpl string, s Spec, escape func(string) string) []byte {
	if escape == nil {
		escape = func(v string) string { return v }
	}
	return []byte(strings.NewReplacer(
		"{{.Binary}}", escape(s.Binary),
		"{{.ConfigDir}}", escape(s.ConfigDir),
		"{{.StateDir}}", escape(s.StateDir),
		"{{.User}}", escape(s.User),
	).Replace(tmpl))
}

// xmlText escapes v for an XML text node (a plist <string>).
func xmlText(v string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(v)
}
