package resource

import (
	"regexp"
	"strings"
	"testing"
)

// TestMetricVocabularyFollowsConventions keeps the vocabulary Prometheus-shaped:
// snake_case names ending in their unit, counters ending in _total, every
// type canonical, every entry documented, no duplicates.
func TestMetricVocabularyFollowsConventions(t *testing.T) {
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*[a-z0-9]$`)
	suffix := map[Unit]string{UnitRatio: "_ratio", UnitBytes: "_bytes", UnitSeconds: "_seconds", UnitCelsius: "_celsius"}
	seen := map[string]bool{}
	for _, d := range Metrics {
		if seen[d.Name] {
			t.Errorf("%s: listed twice", d.Name)
		}
		seen[d.Name] = true
		if !name.MatchString(d.Name) {
			t.Errorf("%s: not snake_case", d.Name)
		}
		base := d.Name
		switch d.Kind {
		case Counter:
			if !strings.HasSuffix(d.Name, "_total") {
				t.Errorf("%s: a counter's name ends in _total", d.Name)
			}
			base = strings.TrimSuffix(d.Name, "_total")
		case Gauge:
			if strings.HasSuffix(d.Name, "_total") {
				t.Errorf("%s: a gauge's name must not end in _total", d.Name)
			}
		default:
			t.Errorf("%s: kind %q is neither gauge nor counter", d.Name, d.Kind)
		}
		if s, ok := suffix[d.Unit]; ok && !strings.HasSuffix(base, s) {
			t.Errorf("%s: unit %s wants the name to end in %s", d.Name, d.Unit, s)
		}
		if d.Unit == "" || d.Doc == "" || len(d.Types) == 0 {
			t.Errorf("%s: unit, doc and types are required", d.Name)
		}
		for _, ty := range d.Types {
			if !IsCanonical(ty) {
				t.Errorf("%s: type %q is not canonical", d.Name, ty)
			}
		}
		if got, ok := LookupMetric(d.Name); !ok || got.Name != d.Name {
			t.Errorf("%s: LookupMetric does not find it", d.Name)
		}
	}
	if _, ok := LookupMetric("cpu_usage"); ok {
		t.Error("LookupMetric found a name outside the vocabulary")
	}
}
