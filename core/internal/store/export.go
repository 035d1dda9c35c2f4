package store

import (
	"sort"

	"github.com/pulsehost/pulse/core/resource"
)

// Head is the part of a canonical resource that a metrics export labels its
// series with; reading heads copies no attributes, identity or sources.
type Head struct {
	ID         string
	Type       resource.Type
	Name       string
	Status     resource.Status
	Platform   string // of the primary source
	Connection string // of the primary source
	Stale      bool
}

// Heads returns every canonical resource's head, sorted by id.
func (s *Store) Heads() []Head {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Head, 0, len(s.st.canons))
	for _, c := range s.st.canons {
		h := Head{ID: c.id, Type: c.view.typ, Name: c.view.name, Status: c.view.status, Stale: s.stale(c)}
		if len(c.members) > 0 {
			if r := s.st.recs[c.members[0]]; r != nil {
				h.Platform, h.Connection = r.src.Platform, r.src.Connection
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
