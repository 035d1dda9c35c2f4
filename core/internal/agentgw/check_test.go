package agentgw

import (
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

// TestCheckedLeavesOutBrokenRecords: a projected record outside the
// platform's rules is left out and counted, the rest kept.
func TestCheckedLeavesOutBrokenRecords(t *testing.T) {
	e := newEnv(t, Options{})
	snap := resource.Snapshot{
		Resources: []resource.Observation{{Type: resource.TypeAppContainer, NativeID: "c1", Status: resource.StatusOnline}},
		Metrics:   []resource.Metric{{Resource: "c1", Name: "cpu_usage_ratio", Value: 0.2}, {Resource: "c1", Name: "container_cpu_percent", Value: 20}},
	}
	got := e.gw.checked("fp", PlatformDocker, snap)
	if len(got.Resources) != 1 || len(got.Metrics) != 1 || e.gw.Rejected() != 1 {
		t.Fatalf("kept %+v, rejected %d", got, e.gw.Rejected())
	}
	e.gw.rejected.Store(0) // the cleanup check is for real projections
}
