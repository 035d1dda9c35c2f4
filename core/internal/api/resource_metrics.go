package api

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// resourceMetricPrefix prefixes the vocabulary's names on /metrics, so that
// cpu_usage_ratio becomes pulse_resource_cpu_usage_ratio (and cannot collide
// with the core's own pulse_uptime_seconds).
const resourceMetricPrefix = "pulse_resource_"

// writeResourceMetrics writes every resource's current metrics, one family
// per vocabulary metric (HELP from its doc line, TYPE gauge or counter), with
// the labels id, type, platform, connection and name; then
// pulse_resource_up, pulse_resource_status and pulse_alert_firing. Samples
// of names outside the vocabulary are not exported.
func (s *Server) writeResourceMetrics(w io.Writer) {
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	resources := s.store.Heads()
	labels := make(map[string]string, len(resources))
	var b strings.Builder
	for _, r := range resources {
		b.Reset()
		b.WriteString(`id="`)
		writeLabelValue(&b, r.ID)
		b.WriteString(`",type="`)
		writeLabelValue(&b, string(r.Type))
		b.WriteString(`",platform="`)
		writeLabelValue(&b, r.Platform)
		b.WriteString(`",connection="`)
		writeLabelValue(&b, r.Connection)
		b.WriteString(`",name="`)
		writeLabelValue(&b, r.Name)
		b.WriteByte('"')
		labels[r.ID] = b.String()
	}
	byName := s.store.MetricsByName()
	num := make([]byte, 0, 32)
	sample := func(name, lbl string, v float64) {
		bw.WriteString(name)
		bw.WriteByte('{')
		bw.WriteString(lbl)
		bw.WriteString("} ")
		num = strconv.AppendFloat(num[:0], v, 'g', -1, 64)
		bw.Write(num)
		bw.WriteByte('\n')
	}
	header := func(name, typ, help string) {
		bw.WriteString("# HELP " + name + " " + escapeHelp(help) + "\n# TYPE " + name + " " + typ + "\n")
	}
	for _, d := range resource.Metrics {
		ms := byName[d.Name]
		if len(ms) == 0 {
			continue
		}
		name := resourceMetricPrefix + d.Name
		header(name, string(d.Kind), d.Doc)
		slices.SortFunc(ms, func(a, b resource.Metric) int { return strings.Compare(a.Resource, b.Resource) })
		for _, m := range ms {
			if lbl, ok := labels[m.Resource]; ok {
				sample(name, lbl, m.Value)
			}
		}
	}

	header("pulse_resource_up", "gauge", "1 when at least one source of the resource is fresh, 0 when all are stale.")
	for _, r := range resources {
		up := 1.0
		if r.Stale {
			up = 0
		}
		sample("pulse_resource_up", labels[r.ID], up)
	}
	header("pulse_resource_status", "gauge", "1 for the resource's current canonical status (the status label).")
	for _, r := range resources {
		sample("pulse_resource_status", labels[r.ID]+`,status="`+string(r.Status)+`"`, 1)
	}
	header("pulse_alert_firing", "gauge", "1 for each active alert, labelled with its resource, severity and kind.")
	for _, a := range s.store.Alerts(store.AlertFilter{}) {
		b.Reset()
		b.WriteString(`alert="`)
		writeLabelValue(&b, a.ID)
		b.WriteString(`",id="`)
		writeLabelValue(&b, a.Resource)
		b.WriteString(`",platform="`)
		writeLabelValue(&b, a.Platform)
		b.WriteString(`",connection="`)
		writeLabelValue(&b, a.Connection)
		b.WriteString(`",severity="`)
		writeLabelValue(&b, string(a.Severity))
		b.WriteString(`",kind="`)
		writeLabelValue(&b, a.Kind)
		b.WriteByte('"')
		sample("pulse_alert_firing", b.String(), 1)
	}
}

// writeLabelValue escapes a label value as the text exposition format
// requires: backslash, double quote and newline.
func writeLabelValue(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
}

// escapeHelp escapes HELP text: backslash and newline.
func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}
