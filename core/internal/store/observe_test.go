package store

import (
	"context"
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

func TestObserveSeesCommittedChanges(t *testing.T) {
	s, _ := openTemp(t)
	var got []Change
	s.Observe(func(c Change) { got = append(got, c) })
	src := resource.SourceRef{Platform: "proxmox-pve", Connection: "lab"}
	_, err := s.ApplySnapshot(context.Background(), src, resource.Snapshot{
		Resources: []resource.Observation{obs("vm", "100", "web")},
		Metrics:   []resource.Metric{{Resource: "100", Name: "cpu_usage_ratio", Value: 0.5, Time: at(1)}},
	}, at(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Resources) != 1 || len(got[0].Metrics) != 1 {
		t.Fatalf("changes %+v, want one with one resource and one metric", got)
	}
	id := got[0].Resources[0]
	if got[0].Metrics[0].Resource != id {
		t.Errorf("metric resource %q, want the canonical id %q", got[0].Metrics[0].Resource, id)
	}
	// A failed apply tells nobody.
	if _, err := s.ApplySnapshot(context.Background(), resource.SourceRef{}, resource.Snapshot{}, at(2)); err == nil {
		t.Fatal("bad source ref accepted")
	}
	if len(got) != 1 {
		t.Errorf("%d changes after a failed apply, want 1", len(got))
	}
}
