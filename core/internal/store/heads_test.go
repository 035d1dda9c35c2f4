package store

import (
	"bytes"
	"context"
	"slices"
	"testing"
)

// TestHeadsAgreeWithResources: every field a head carries is the one
// Resources serves, stale or not.
func TestHeadsAgreeWithResources(t *testing.T) {
	s, _ := openTemp(t)
	snapshot(t, s, pveLab, at(0), genSnapshot(120, 0))
	check := func(when string) {
		t.Helper()
		byID := map[string]Head{}
		for _, h := range s.Heads() {
			byID[h.ID] = h
		}
		rs := s.Resources(Filter{})
		if len(rs) != len(byID) {
			t.Fatalf("%s: %d resources, %d heads", when, len(rs), len(byID))
		}
		for _, r := range rs {
			h := byID[r.ID]
			if h.Type != r.Type || h.Name != r.Name || h.Status != r.Status || h.Platform != r.Platform || h.Connection != r.Connection ||
				h.Stale != r.Stale || h.StaleReason != r.StaleReason || !h.FirstSeen.Equal(r.FirstSeen) ||
				!slices.Equal(h.Tags, r.Tags) || !bytes.Equal(h.Attributes, r.Attributes) {
				t.Fatalf("%s: head %+v\nresource %+v", when, h, r)
			}
		}
	}
	check("fresh")
	if err := s.MarkStale(context.Background(), pveLab, "poll failed: boom", at(1)); err != nil {
		t.Fatal(err)
	}
	check("stale")
}
