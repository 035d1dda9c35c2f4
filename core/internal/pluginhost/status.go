package pluginhost

import (
	"time"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Connection states.
const (
	StateStarting = "starting" // waiting for the first poll
	StateOK       = "ok"       // the last poll succeeded
	StateError    = "error"    // the last poll failed; resources are stale
	StateDisabled = "disabled" // enabled = false in the config
	StateNoPlugin = "no-plugin"
)

// ConnStatus is what the host knows about one connection.
type ConnStatus struct {
	Platform       string           `json:"platform"`
	Name           string           `json:"name"`
	State          string           `json:"state"`
	PollInterval   string           `json:"poll_interval"`
	LastPoll       *time.Time       `json:"last_poll,omitempty"`
	LastSuccess    *time.Time       `json:"last_success,omitempty"`
	LastDurationMS float64          `json:"last_duration_ms"`
	LastError      string           `json:"last_error,omitempty"`
	Polls          uint64           `json:"polls"`
	Failures       uint64           `json:"failures"`
	Resources      int              `json:"resources"`
	Rejected       uint64           `json:"rejected"`
	LastRejections []string         `json:"last_rejections,omitempty"`
	Watching       bool             `json:"watching"`
	Check          *sdk.CheckReport `json:"check,omitempty"`
}

// Plugin states.
const (
	PluginRunning    = "running"
	PluginRestarting = "restarting"
	PluginRefused    = "refused"
	PluginMissing    = "missing"
	PluginStopped    = "stopped"
)

// PluginStatus is what the host knows about one platform's plugin.
type PluginStatus struct {
	Platform        string     `json:"platform"`
	Path            string     `json:"path,omitempty"`
	Version         string     `json:"version,omitempty"`
	APIVersion      uint32     `json:"api_version,omitempty"`
	State           string     `json:"state"`
	PID             int        `json:"pid,omitempty"`
	Restarts        int        `json:"restarts"`
	StartedAt       *time.Time `json:"started_at,omitempty"`
	StartDurationMS float64    `json:"start_duration_ms,omitempty"`
	LastError       string     `json:"last_error,omitempty"`
	Problems        []string   `json:"problems,omitempty"`
	Connections     []string   `json:"connections"`
	// Actions are the control actions the running plugin declares.
	Actions []string `json:"actions,omitempty"`
}
