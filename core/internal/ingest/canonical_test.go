package ingest

import (
	"math"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// TestCheckSnapshot: the core's own projections are held to the plugins'
// rules; each broken record is left out with a reason, the rest kept.
func TestCheckSnapshot(t *testing.T) {
	docker, ok := platform.Lookup("docker")
	if !ok {
		t.Fatal("docker is not in the governed model")
	}
	snap := resource.Snapshot{
		Resources: []resource.Observation{
			{Type: resource.TypeAgent, NativeID: "engine", Status: resource.StatusOnline},
			{Type: resource.TypeAppContainer, NativeID: "c1", Status: resource.StatusOnline},
			{Type: resource.TypeVM, NativeID: "vm1", Status: resource.StatusOnline}, // not a docker projection
			{Type: resource.TypeAppContainer, NativeID: "c2", Status: "sleepy"},     // not a canonical status
		},
		Links: []resource.Link{{From: "c1", Kind: resource.RelRunsOn, To: "engine"}, {From: "vm1", Kind: resource.RelRunsOn, To: "engine"}},
		Metrics: []resource.Metric{
			{Resource: "c1", Name: "cpu_usage_ratio", Value: 0.5},
			{Resource: "c1", Name: "cpu_percent", Value: 50},                  // not in the vocabulary
			{Resource: "c1", Name: "memory_used_bytes", Value: math.NaN()},    // not finite
			{Resource: "c1", Name: "memory_used_bytes", Value: 1, Unit: "MB"}, // wrong unit
			{Resource: "vm1", Name: "cpu_usage_ratio", Value: 0.1},            // resource left out
		},
		Alerts:         []resource.Alert{{ID: "a1", Severity: resource.SeverityWarning, Kind: "container-unhealthy"}, {ID: "a2", Severity: "loud", Kind: "x"}},
		RecoveryPoints: []resource.RecoveryPoint{{ID: "r1", Resource: "c1", Kind: "tape"}},
	}
	got, rej := CheckSnapshot(docker, snap)
	if len(got.Resources) != 2 || got.Resources[0].NativeID != "engine" || got.Resources[1].NativeID != "c1" {
		t.Errorf("kept resources %+v", got.Resources)
	}
	if len(got.Links) != 1 || len(got.Metrics) != 1 || got.Metrics[0].Name != "cpu_usage_ratio" || len(got.Alerts) != 1 || len(got.RecoveryPoints) != 0 {
		t.Errorf("kept links %v metrics %v alerts %v recovery %v", got.Links, got.Metrics, got.Alerts, got.RecoveryPoints)
	}
	want := []string{"vm1", "c2", "cpu_percent", "not a finite number", `unit "MB"`, "not in the snapshot", "loud", "tape"}
	all := ""
	for _, r := range rej {
		all += r.String() + "\n"
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("rejections do not mention %q:\n%s", w, all)
		}
	}
	if len(rej) != len(want) {
		t.Errorf("%d rejections, want %d:\n%s", len(rej), len(want), all)
	}
	if len(snap.Resources) != 4 || snap.Resources[2].NativeID != "vm1" {
		t.Error("CheckSnapshot changed its input")
	}
}
