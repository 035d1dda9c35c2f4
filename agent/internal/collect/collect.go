// Package collect gathers the agent's telemetry from the operating system:
// on Linux from /proc, /sys and /etc (under a configurable root, so tests
// read a fixture tree); on other systems what the Go runtime and the
// standard library can tell.
package collect

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
)

// Options configure a Collector.
type Options struct {
	// Root prefixes every file path read (/proc, /sys, /etc); "" or "/"
	// reads the live system. With a root other than "/", nothing is asked
	// of the kernel directly (statfs, interface addresses), so fixtures
	// give the same answer everywhere.
	Root string
	// Version is the agent's version, reported in the agent extension.
	Version string
	// Interval is the metrics report interval, reported so the core knows
	// when the agent went silent.
	Interval time.Duration
	// Fingerprint is the agent key's fingerprint.
	Fingerprint string
	// Modules add their members to every report (the docker module).
	Modules []Module
}

// Module is an optional collector module: it adds its member to the
// telemetry of every report.
type Module interface {
	Contribute(t *agentwire.Telemetry)
}

// Collector collects telemetry. It keeps the previous CPU sample to compute
// CPU use between reports; it is not safe for concurrent use.
type Collector struct {
	o       Options
	live    bool
	prevCPU *cpuSample
	now     func() time.Time
}

// cpuSample is the aggregate CPU time counters.
type cpuSample struct{ busy, total uint64 }

// New returns a collector.
func New(o Options) *Collector {
	live := o.Root == "" || o.Root == "/"
	if live {
		o.Root = "/"
	}
	return &Collector{o: o, live: live, now: time.Now}
}

// path joins p (absolute) under the root.
func (c *Collector) path(p string) string { return filepath.Join(c.o.Root, p) }

// read returns the trimmed content of a file under the root, or "".
func (c *Collector) read(p string) string {
	b, err := os.ReadFile(c.path(p))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Collect gathers a report's telemetry. A full report includes the
// inventory that changes slowly (installed tools, last update time); a
// metrics report leaves those out.
func (c *Collector) Collect(full bool) agentwire.Telemetry {
	t := agentwire.Telemetry{
		Environment: agentwire.Environment{OSFamily: runtime.GOOS, Arch: runtime.GOARCH},
		Agent:       &agentwire.AgentInfo{Version: c.o.Version, IntervalSeconds: int64(c.o.Interval / time.Second)},
	}
	t.Identity.SSHPubkeyFingerprint = c.o.Fingerprint
	c.collectOS(&t, full)
	if full {
		t.Capabilities.InstalledTools = c.tools()
	}
	if t.Capabilities.InstalledTools == nil {
		t.Capabilities.InstalledTools = []string{}
	}
	if t.Identity.HWUUID == "" && t.Identity.MachineID != "" {
		t.Identity.HWUUID, t.Identity.HWUUIDSource = t.Identity.MachineID, "machine-id"
	}
	for _, m := range c.o.Modules {
		m.Contribute(&t)
	}
	if len(t.Temperatures) > 0 {
		hot := slices.MaxFunc(t.Temperatures, func(a, b agentwire.Temperature) int {
			switch {
			case a.Celsius < b.Celsius:
				return -1
			case a.Celsius > b.Celsius:
				return 1
			}
			return 0
		}).Celsius
		switch {
		case hot >= 90:
			t.Health.ThermalStatus = "critical"
		case hot >= 75:
			t.Health.ThermalStatus = "warm"
		default:
			t.Health.ThermalStatus = "normal"
		}
	}
	return t
}

// knownTools are the tools installed_tools looks for.
var knownTools = []string{
	"ceph", "containerd", "curl", "docker", "git", "kubectl", "kubelet", "lvm", "nginx", "node",
	"pct", "podman", "pvesh", "python3", "qm", "smartctl", "systemctl", "zfs", "zpool",
}

// toolDirs are searched for tools (not $PATH: a service's PATH is minimal).
var toolDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// tools lists the known tools found as executable files.
func (c *Collector) tools() []string {
	var out []string
	dirs := toolDirs
	if runtime.GOOS == "windows" && c.live {
		dirs = filepath.SplitList(os.Getenv("PATH"))
	}
	for _, tool := range knownTools {
		for _, d := range dirs {
			name := tool
			if runtime.GOOS == "windows" {
				name += ".exe"
			}
			p := filepath.Join(d, name)
			if c.live || !filepath.IsAbs(d) {
				// live: the path as is
			} else {
				p = c.path(p)
			}
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && (runtime.GOOS == "windows" || fi.Mode()&0o111 != 0) {
				out = append(out, tool)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}
