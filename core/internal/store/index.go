package store

import "github.com/pulsehost/pulse/core/resource"

// Index returns a light copy of every resource f matches, in no particular
// order, for lists that filter, order and page before they need whole
// resources (the API's resource list builds only the page it answers, not
// the thousands it chose the page from). Each carries ID, Type, Name,
// Status, Platform and Connection (of the primary source), FirstSeen,
// LastSeen, Stale, and Sources with only Platform, Connection and Role set;
// identity, topology, tags, attributes and relationships are left out.
// Fetch the whole resources with Resources(Filter{IDs: ...}).
func (s *Store) Index(f Filter) []resource.Resource {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]resource.Resource, 0, len(s.st.canons))
	sources := make([]resource.Source, 0, len(s.st.canons)) // one backing array for all
	for _, c := range s.st.canons {
		if !s.matches(c, f) {
			continue
		}
		v := c.view
		r := resource.Resource{ID: c.id, Type: v.typ, Name: v.name, Status: v.status, FirstSeen: c.firstSeen, Stale: s.stale(c)}
		start := len(sources)
		for i, k := range c.members {
			rec := s.st.recs[k]
			src := resource.Source{Platform: rec.src.Platform, Connection: rec.src.Connection, Role: resource.RoleAugment}
			if i == 0 {
				src.Role = resource.RolePrimary
				r.Platform, r.Connection = rec.src.Platform, rec.src.Connection
			}
			if ls := s.st.lastSeen(rec); ls.After(r.LastSeen) {
				r.LastSeen = ls
			}
			sources = append(sources, src)
		}
		r.Sources = sources[start:len(sources):len(sources)]
		out = append(out, r)
	}
	return out
}
