package store

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/resource"
)

// withMetrics adds two samples per resource of snap, at t.
func withMetrics(snap resource.Snapshot, t time.Time) resource.Snapshot {
	for i, o := range snap.Resources {
		snap.Metrics = append(snap.Metrics,
			resource.Metric{Resource: o.NativeID, Name: "memory_used_bytes", Value: float64(i), Unit: "bytes", Time: t},
			resource.Metric{Resource: o.NativeID, Name: "cpu_usage_ratio", Value: 0.5, Unit: "ratio", Time: t})
	}
	return snap
}

// TestMetricsByResourceIsMetricsGrouped checks that the grouped read holds
// exactly what Metrics("") returns, grouped by resource, sorted by name.
func TestMetricsByResourceIsMetricsGrouped(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "pulse.db"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ApplySnapshot(t.Context(), pveLab, withMetrics(genSnapshot(50, 3), t0), t0); err != nil {
		t.Fatal(err)
	}
	flat := s.Metrics("")
	if len(flat) != 100 {
		t.Fatalf("%d samples in the store, want 100", len(flat))
	}
	var got []string
	for id, ms := range s.MetricsByResource() {
		if !slices.IsSortedFunc(ms, func(a, b resource.Metric) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("%s not sorted by name", id)
		}
		for _, m := range ms {
			if m.Resource != id {
				t.Fatalf("sample of %s under %s", m.Resource, id)
			}
			got = append(got, m.Resource+"/"+m.Name)
		}
	}
	var want []string
	for _, m := range flat {
		want = append(want, m.Resource+"/"+m.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("grouped %d samples, flat %d", len(got), len(want))
	}
}
