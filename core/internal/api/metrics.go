package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
)

var timeSince = time.Since

// metrics writes the Prometheus text exposition format (version 0.0.4).
func (s *Server) metrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m := &expo{w: w}
	m.help("pulse_build_info", "gauge", "Build information.")
	m.sample("pulse_build_info", 1, "version", s.version)
	m.help("pulse_uptime_seconds", "gauge", "Seconds since the core started.")
	m.sample("pulse_uptime_seconds", timeSince(s.started).Seconds())

	conns := s.host.Connections()
	m.help("pulse_connection_up", "gauge", "1 when the connection's last poll succeeded.")
	for _, c := range conns {
		up := 0.0
		if c.State == pluginhost.StateOK {
			up = 1
		}
		m.sample("pulse_connection_up", up, "platform", c.Platform, "connection", c.Name)
	}
	counter := func(name, help string, v func(pluginhost.ConnStatus) float64) {
		m.help(name, "counter", help)
		for _, c := range conns {
			m.sample(name, v(c), "platform", c.Platform, "connection", c.Name)
		}
	}
	counter("pulse_connection_polls_total", "Polls run.", func(c pluginhost.ConnStatus) float64 { return float64(c.Polls) })
	counter("pulse_connection_poll_failures_total", "Polls that failed.", func(c pluginhost.ConnStatus) float64 { return float64(c.Failures) })
	counter("pulse_connection_rejected_records_total", "Records rejected by validation.", func(c pluginhost.ConnStatus) float64 { return float64(c.Rejected) })
	m.help("pulse_connection_last_poll_duration_seconds", "gauge", "Duration of the last poll.")
	for _, c := range conns {
		m.sample("pulse_connection_last_poll_duration_seconds", c.LastDurationMS/1000, "platform", c.Platform, "connection", c.Name)
	}

	plugins := s.host.Plugins()
	m.help("pulse_plugin_up", "gauge", "1 when the platform's plugin is running.")
	for _, p := range plugins {
		up := 0.0
		if p.State == pluginhost.PluginRunning {
			up = 1
		}
		m.sample("pulse_plugin_up", up, "platform", p.Platform)
	}
	m.help("pulse_plugin_restarts_total", "counter", "Plugin restarts after a crash or hang.")
	for _, p := range plugins {
		m.sample("pulse_plugin_restarts_total", float64(p.Restarts), "platform", p.Platform)
	}

	m.help("pulse_resources", "gauge", "Canonical resources in the store.")
	for _, c := range s.store.Counts() {
		m.sample("pulse_resources", float64(c.N), "type", string(c.Type), "stale", fmt.Sprint(c.Stale))
	}
	sev := map[string]int{"info": 0, "warning": 0, "critical": 0}
	for _, a := range s.store.Alerts(store.AlertFilter{}) {
		sev[string(a.Severity)]++
	}
	m.help("pulse_alerts_active", "gauge", "Active alerts by severity.")
	for _, k := range []string{"critical", "info", "warning"} {
		m.sample("pulse_alerts_active", float64(sev[k]), "severity", k)
	}
	s.writeResourceMetrics(w)
}

type expo struct{ w io.Writer }

func (e *expo) help(name, typ, help string) {
	fmt.Fprintf(e.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (e *expo) sample(name string, v float64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%q", labels[i], escape(labels[i+1]))
		}
		b.WriteByte('}')
	}
	fmt.Fprintf(e.w, "%s %g\n", b.String(), v)
}

// escape applies the exposition format's label escaping beyond what %q does.
func escape(s string) string { return strings.ReplaceAll(s, "\n", " ") }
