package sdktest

import (
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

// CheckMetrics fails t for every metric of snap the core would reject:
// a name outside the canonical vocabulary (core/resource/metrics.go), a unit
// other than the vocabulary's, or a metric reported for a resource type it
// does not apply to. It returns the metric names seen per resource type, so
// a test can assert coverage (every vm carries cpu_usage_ratio, ...).
func CheckMetrics(t testing.TB, snap *Snapshot) map[resource.Type]map[string]bool {
	t.Helper()
	types := make(map[string]resource.Type, len(snap.Resources))
	for _, r := range snap.Resources {
		types[r.GetNativeId()] = resource.Type(r.GetType())
	}
	seen := map[resource.Type]map[string]bool{}
	for _, m := range snap.Metrics {
		typ, ok := types[m.GetResource()]
		if !ok {
			t.Errorf("metric %s of %q: no such resource in the snapshot", m.GetName(), m.GetResource())
			continue
		}
		def, ok := resource.LookupMetric(m.GetName())
		switch {
		case !ok:
			t.Errorf("metric %q (resource %s) is not in the canonical vocabulary", m.GetName(), m.GetResource())
			continue
		case m.GetUnit() != "" && m.GetUnit() != string(def.Unit):
			t.Errorf("metric %s has unit %q, the vocabulary's is %q", m.GetName(), m.GetUnit(), def.Unit)
		case !def.AppliesTo(typ):
			t.Errorf("metric %s does not apply to %s %s", m.GetName(), typ, m.GetResource())
		}
		if seen[typ] == nil {
			seen[typ] = map[string]bool{}
		}
		seen[typ][m.GetName()] = true
	}
	return seen
}

// RequireMetrics fails t when a resource type in seen (from CheckMetrics)
// lacks one of want.
func RequireMetrics(t testing.TB, seen map[resource.Type]map[string]bool, typ resource.Type, want ...string) {
	t.Helper()
	for _, n := range want {
		if !seen[typ][n] {
			t.Errorf("no %s reports %s", typ, n)
		}
	}
}
