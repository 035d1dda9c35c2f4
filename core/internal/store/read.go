package store

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// Resources returns copies of the resources matching f, sorted by type, then
// name, then id.
func (s *Store) Resources(f Filter) []resource.Resource {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []string
	if len(f.IDs) > 0 {
		ids = f.IDs
	} else {
		ids = make([]string, 0, len(s.st.canons))
		for id := range s.st.canons {
			ids = append(ids, id)
		}
	}
	out := make([]resource.Resource, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		c := s.st.canons[id]
		if c == nil || seen[id] || !s.matches(c, f) {
			continue
		}
		seen[id] = true
		out = append(out, s.build(c))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	return out
}

// matches reports whether c passes f, without building it.
func (s *Store) matches(c *canon, f Filter) bool {
	if f.Type != "" && c.view.typ != f.Type {
		return false
	}
	if f.Stale != nil && s.stale(c) != *f.Stale {
		return false
	}
	if f.Platform == "" && f.Connection == "" {
		return true
	}
	for _, k := range c.members {
		r := s.st.recs[k]
		if (f.Platform == "" || r.src.Platform == f.Platform) && (f.Connection == "" || r.src.Connection == f.Connection) {
			return true
		}
	}
	return false
}

// stale reports whether every source of c is stale, as build computes
// Resource.Stale. Caller holds mu.
func (s *Store) stale(c *canon) bool {
	for _, k := range c.members {
		if ss := s.st.sources[s.st.recs[k].src]; ss == nil || !ss.stale {
			return false
		}
	}
	return true
}

// Count is the number of canonical resources of one type and staleness.
type Count struct {
	Type  resource.Type
	Stale bool
	N     int
}

// Counts tallies the canonical resources by type and staleness without
// copying them (for metrics), sorted by type, fresh before stale.
func (s *Store) Counts() []Count {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tally := map[Count]int{}
	for _, c := range s.st.canons {
		tally[Count{Type: c.view.typ, Stale: s.stale(c)}]++
	}
	out := make([]Count, 0, len(tally))
	for k, n := range tally {
		k.N = n
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return !out[i].Stale && out[j].Stale
	})
	return out
}

// Has reports whether src has delivered a record with nativeID.
func (s *Store) Has(src resource.SourceRef, nativeID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.st.bySrc[src][nativeID]
	return ok
}

// TypeOf returns the type of the record src delivered with nativeID.
func (s *Store) TypeOf(src resource.SourceRef, nativeID string) (resource.Type, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.st.bySrc[src][nativeID]
	if !ok {
		return "", false
	}
	return r.obs.Type, true
}

// Resource returns a copy of the canonical resource with id.
func (s *Store) Resource(id string) (resource.Resource, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.st.canons[id]
	if c == nil {
		return resource.Resource{}, false
	}
	return s.build(c), true
}

// build assembles a deep copy of canonical resource c. Caller holds mu.
func (s *Store) build(c *canon) resource.Resource {
	v := c.view
	out := resource.Resource{
		ID: c.id, Type: v.typ, Name: v.name, Status: v.status, Runtime: v.runtime,
		Identity:      slices.Clone(v.identity),
		Topology:      maps.Clone(v.topology),
		Tags:          slices.Clone(v.tags),
		Attributes:    slices.Clone(v.attributes),
		Relationships: []resource.Relation{},
		Sources:       make([]resource.Source, 0, len(c.members)),
		FirstSeen:     c.firstSeen,
		Stale:         true,
	}
	var staleSince time.Time
	for i, k := range c.members {
		r := s.st.recs[k]
		ss := s.st.sources[r.src]
		if ss == nil {
			ss = &sourceState{}
		}
		src := resource.Source{
			Platform: r.src.Platform, Connection: r.src.Connection, NativeID: r.obs.NativeID,
			Role: resource.RoleAugment, Fields: slices.Clone(v.fields[i]),
			FirstSeen: r.firstSeen, LastSeen: s.st.lastSeen(r), Stale: ss.stale, StaleReason: ss.reason,
		}
		if i == 0 {
			src.Role = resource.RolePrimary
			out.Platform, out.Connection = r.src.Platform, r.src.Connection
			out.StaleReason = ss.reason
		}
		if src.LastSeen.After(out.LastSeen) {
			out.LastSeen = src.LastSeen
		}
		if !ss.stale {
			out.Stale = false
		} else if staleSince.IsZero() || ss.since.Before(staleSince) {
			staleSince = ss.since
		}
		out.Sources = append(out.Sources, src)
		for _, l := range s.st.out[k] {
			t := s.st.recs[l.toKey]
			if t == nil || t.canon == c.id {
				continue
			}
			rel := resource.Relation{Kind: l.kind, Target: t.canon}
			if !slices.Contains(out.Relationships, rel) {
				out.Relationships = append(out.Relationships, rel)
			}
		}
	}
	if out.Stale {
		out.StaleSince = &staleSince
	} else {
		out.StaleReason = ""
	}
	sort.Slice(out.Relationships, func(i, j int) bool {
		a, b := out.Relationships[i], out.Relationships[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Target < b.Target
	})
	return out
}

// resolve maps a native resource id of src to its canonical id, or to the
// source key when the source has no such record.
func (s *Store) resolve(src resource.SourceRef, native string) string {
	if native == "" {
		return ""
	}
	key := src.Key(native)
	if r := s.st.recs[key]; r != nil {
		return r.canon
	}
	return key
}

// Alerts returns copies of the alerts matching f (active only unless
// f.IncludeCleared), newest first, then by id.
func (s *Store) Alerts(f AlertFilter) []resource.Alert {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []resource.Alert
	for _, a := range s.st.alerts {
		if a.alert.Cleared != nil && !f.IncludeCleared {
			continue
		}
		if (f.Platform != "" && a.src.Platform != f.Platform) || (f.Connection != "" && a.src.Connection != f.Connection) {
			continue
		}
		c := a.alert
		c.Resource = s.resolve(a.src, a.alert.Resource)
		if f.Resource != "" && c.Resource != f.Resource {
			continue
		}
		if a.snapLastSeen {
			if ss := s.st.sources[a.src]; ss != nil {
				c.LastSeen = ss.lastSnapshot
			}
		}
		if a.alert.Cleared != nil {
			t := *a.alert.Cleared
			c.Cleared = &t
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// RecoveryPoints returns copies of the recovery points of canonical resource
// resourceID ("" = all), newest first, then by id. A recovery point whose
// resource is unknown to its source carries the source key as Resource.
func (s *Store) RecoveryPoints(resourceID string) []resource.RecoveryPoint {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []resource.RecoveryPoint
	for _, p := range s.st.rps {
		c := p.rp
		c.Resource = s.resolveRecovery(p)
		if resourceID != "" && c.Resource != resourceID {
			continue
		}
		c.Attributes = slices.Clone(p.rp.Attributes)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Metrics returns the latest sample per metric name of canonical resource
// resourceID ("" = all resources), sorted by resource then name.
func (s *Store) Metrics(resourceID string) []resource.Metric {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []resource.Metric
	add := func(byName map[string]resource.Metric) {
		for _, m := range byName {
			out = append(out, m)
		}
	}
	if resourceID != "" {
		add(s.st.metrics[resourceID])
	} else {
		for _, byName := range s.st.metrics {
			add(byName)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// MetricsByResource returns the latest sample per metric name of every
// canonical resource, keyed by resource id, each resource's samples sorted
// by name. It is Metrics("") grouped, without sorting every sample of the
// estate by resource first (what the alerts engine reads each cycle).
func (s *Store) MetricsByResource() map[string][]resource.Metric {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, byName := range s.st.metrics {
		n += len(byName)
	}
	all := make([]resource.Metric, 0, n) // one allocation for every sample
	out := make(map[string][]resource.Metric, len(s.st.metrics))
	for id, byName := range s.st.metrics {
		start := len(all)
		for _, m := range byName {
			all = append(all, m)
		}
		ms := all[start:len(all):len(all)]
		sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
		out[id] = ms
	}
	return out
}

// Sources returns every source the store has heard from, sorted.
func (s *Store) Sources() []resource.SourceRef {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]resource.SourceRef, 0, len(s.st.sources))
	for src := range s.st.sources {
		out = append(out, src)
	}
	sort.Slice(out, func(i, j int) bool {
		if c := strings.Compare(out[i].Platform, out[j].Platform); c != 0 {
			return c < 0
		}
		return out[i].Connection < out[j].Connection
	})
	return out
}
