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

func TestHeadsAndMetricsByName(t *testing.T) {
	s, _ := openTemp(t)
	src := resource.SourceRef{Platform: "proxmox-pve", Connection: "lab"}
	_, err := s.ApplySnapshot(context.Background(), src, resource.Snapshot{
		Resources: []resource.Observation{obs("vm", "100", "web"), obs("vm", "101", "db")},
		Metrics:   []resource.Metric{{Resource: "100", Name: "cpu_usage_ratio", Value: 0.5, Time: at(1)}, {Resource: "101", Name: "cpu_usage_ratio", Value: 0.7, Time: at(1)}},
	}, at(1))
	if err != nil {
		t.Fatal(err)
	}
	full := s.Resources(Filter{})
	heads := s.Heads()
	if len(heads) != 2 {
		t.Fatalf("%d heads", len(heads))
	}
	for _, r := range full {
		var h Head
		for _, x := range heads {
			if x.ID == r.ID {
				h = x
			}
		}
		if h.Name != r.Name || h.Type != r.Type || h.Status != r.Status || h.Platform != r.Platform || h.Connection != r.Connection || h.Stale != r.Stale {
			t.Errorf("head %+v does not match resource %s", h, r.ID)
		}
	}
	if ms := s.MetricsByName()["cpu_usage_ratio"]; len(ms) != 2 {
		t.Errorf("MetricsByName has %d cpu samples, want 2", len(ms))
	}
}
