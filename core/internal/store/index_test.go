package store

import (
	"context"
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

// TestIndexAgreesWithResources: every field Index carries is the one
// Resources serves (a merged node with two sources included), for each
// filter, fresh and stale.
func TestIndexAgreesWithResources(t *testing.T) {
	s, _ := openTemp(t)
	snapshot(t, s, pveLab, at(0), genSnapshot(120, 0))
	applyObs(t, s, pveLab, at(0), obs(resource.TypeAgent, "node/pve1", "pve1", key(resource.KeyMachineID, "m1"), key(resource.KeyHostname, "pve1")))
	applyObs(t, s, agentH1, at(1), obs(resource.TypeAgent, "a1", "pve1.lab", key(resource.KeyMachineID, "m1"), key(resource.KeyHostname, "pve1")))
	stale := true
	check := func(when string, f Filter, wantMerged bool) {
		t.Helper()
		byID := map[string]resource.Resource{}
		for _, r := range s.Index(f) {
			byID[r.ID] = r
		}
		rs := s.Resources(f)
		if len(rs) != len(byID) {
			t.Fatalf("%s %+v: %d resources, %d in the index", when, f, len(rs), len(byID))
		}
		merged := false
		for _, r := range rs {
			x := byID[r.ID]
			if x.Type != r.Type || x.Name != r.Name || x.Status != r.Status || x.Platform != r.Platform || x.Connection != r.Connection ||
				x.Stale != r.Stale || !x.FirstSeen.Equal(r.FirstSeen) || !x.LastSeen.Equal(r.LastSeen) || len(x.Sources) != len(r.Sources) {
				t.Fatalf("%s: index %+v\nresource %+v", when, x, r)
			}
			for i, src := range r.Sources {
				if x.Sources[i].Platform != src.Platform || x.Sources[i].Connection != src.Connection || x.Sources[i].Role != src.Role {
					t.Fatalf("%s: index source %+v, resource source %+v", when, x.Sources[i], src)
				}
			}
			merged = merged || len(r.Sources) == 2
		}
		if wantMerged && !merged {
			t.Fatalf("%s: the fixture has no merged resource", when)
		}
	}
	check("fresh", Filter{}, true)
	check("fresh, agents", Filter{Type: resource.TypeAgent}, true)
	check("fresh, one source", Filter{Platform: "agent"}, true)
	if err := s.MarkStale(context.Background(), pveLab, "poll failed: boom", at(2)); err != nil {
		t.Fatal(err)
	}
	check("stale", Filter{}, true)
	check("stale only", Filter{Stale: &stale}, false)
}
