package store

import (
	"encoding/json"
	"slices"
	"sort"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// Head is the part of a canonical resource that a metrics export labels its
// series with, and that the alerts engine matches its rules against every
// cycle; reading heads copies no attributes, identity or sources.
type Head struct {
	ID          string
	Type        resource.Type
	Name        string
	Status      resource.Status
	Platform    string // of the primary source
	Connection  string // of the primary source
	Stale       bool
	StaleReason string // of the primary source, when stale
	FirstSeen   time.Time
	// Tags and Attributes are the store's own immutable values, shared:
	// read them, never modify them.
	Tags       []string
	Attributes json.RawMessage
}

// Heads returns every canonical resource's head, sorted by id.
func (s *Store) Heads() []Head {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Head, 0, len(s.st.canons))
	for _, c := range s.st.canons {
		h := Head{ID: c.id, Type: c.view.typ, Name: c.view.name, Status: c.view.status, Stale: s.stale(c),
			FirstSeen: c.firstSeen, Tags: slices.Clip(c.view.tags), Attributes: slices.Clip(c.view.attributes)}
		if len(c.members) > 0 {
			if r := s.st.recs[c.members[0]]; r != nil {
				h.Platform, h.Connection = r.src.Platform, r.src.Connection
				if ss := s.st.sources[r.src]; ss != nil && h.Stale {
					h.StaleReason = ss.reason
				}
			}
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// MetricsByName returns the latest sample of every resource grouped by
// metric name, without sorting (for exports that group by name anyway).
func (s *Store) MetricsByName() map[string][]resource.Metric {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string][]resource.Metric{}
	for _, byName := range s.st.metrics {
		for name, m := range byName {
			out[name] = append(out[name], m)
		}
	}
	return out
}
