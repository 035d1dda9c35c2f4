package docker

import (
	"fmt"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
)

// Thresholds tune the docker alerts; zero values take the defaults.
type Thresholds struct {
	// RestartLoopCount restarts within RestartLoopWindow raise a restart
	// loop (default 3 in 5 minutes).
	RestartLoopCount  int           `json:"restart_loop_count,omitempty"`
	RestartLoopWindow time.Duration `json:"restart_loop_window,omitempty"`
	// MemoryWarning and MemoryCritical are shares of a container's memory
	// limit (default 0.90 and 0.95).
	MemoryWarning  float64 `json:"memory_warning,omitempty"`
	MemoryCritical float64 `json:"memory_critical,omitempty"`
}

func (t Thresholds) withDefaults() Thresholds {
	if t.RestartLoopCount <= 0 {
		t.RestartLoopCount = 3
	}
	if t.RestartLoopWindow <= 0 {
		t.RestartLoopWindow = 5 * time.Minute
	}
	if t.MemoryWarning <= 0 {
		t.MemoryWarning = 0.90
	}
	if t.MemoryCritical <= 0 {
		t.MemoryCritical = 0.95
	}
	return t
}

// alerts evaluates the containers and services of one cycle; it keeps the
// restart history the restart loop needs.
func (m *Module) alerts(d *agentwire.Docker) []agentwire.DockerAlert {
	th := m.o.Thresholds
	now := m.o.Now()
	var out []agentwire.DockerAlert
	add := func(kind, sev, target, format string, a ...any) {
		out = append(out, agentwire.DockerAlert{Kind: kind, Severity: sev, Target: target, Message: fmt.Sprintf(format, a...)})
	}
	for _, c := range d.Containers {
		t := "container:" + c.ID
		if c.Health == "unhealthy" {
			add("unhealthy", "warning", t, "container %s is unhealthy", c.Name)
		}
		if m.restartLoop(c.ID, c.Restarts, now) {
			add("restart-loop", "critical", t, "container %s restarted %d times or more within %s", c.Name, th.RestartLoopCount, th.RestartLoopWindow)
		}
		if c.State == "exited" || c.State == "dead" {
			switch {
			case c.OOMKilled:
				add("oom-killed", "critical", t, "container %s was killed for running out of memory", c.Name)
			case c.ExitCode != 0:
				add("exited-nonzero", "warning", t, "container %s exited with code %d", c.Name, c.ExitCode)
			}
		}
		if s := c.Stats; s != nil && s.Limited && s.MemLimitBytes > 0 {
			r := float64(s.MemUsedBytes) / float64(s.MemLimitBytes)
			switch {
			case r >= th.MemoryCritical:
				add("memory-high", "critical", t, "container %s uses %.0f %% of its memory limit", c.Name, r*100)
			case r >= th.MemoryWarning:
				add("memory-high", "warning", t, "container %s uses %.0f %% of its memory limit", c.Name, r*100)
			}
		}
	}
	for _, s := range d.Services {
		if s.Running < s.Desired {
			add("service-degraded", "warning", "service:"+s.ID, "service %s runs %d of %d desired replicas", s.Name, s.Running, s.Desired)
		}
	}
	return out
}

// restartLoop records the restart count seen now and reports whether it
// rose by the loop count within the window.
func (m *Module) restartLoop(id string, count int, now time.Time) bool {
	th := m.o.Thresholds
	marks := append(m.restarts[id], restartMark{at: now, count: count})
	cut := 0
	for cut < len(marks)-1 && now.Sub(marks[cut].at) > th.RestartLoopWindow {
		cut++
	}
	marks = marks[cut:]
	m.restarts[id] = marks
	return count-marks[0].count >= th.RestartLoopCount
}
