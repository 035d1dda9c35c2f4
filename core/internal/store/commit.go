package store

import "github.com/pulsehost/pulse/core/resource"

// commit swaps a written txn into memory under the write lock. It only
// assigns prepared values; everything expensive happened while planning.
func (s *Store) commit(t *txn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	for key, e := range t.recs {
		if old := st.recs[key]; old != nil {
			st.unindexRecord(old)
		}
		if e.rec != nil {
			st.indexRecord(e.rec)
		} else {
			delete(st.out, key)
		}
	}
	for id, c := range t.canons {
		if c == nil {
			delete(st.canons, id)
			delete(st.metrics, id)
			continue
		}
		st.canons[id] = c
	}
	if t.source != nil {
		st.sources[t.src] = t.source
	}
	if t.linkSet != nil {
		if len(t.linkSet) == 0 {
			delete(st.links, t.src)
		} else {
			st.links[t.src] = t.linkSet
		}
		for k, ls := range t.out {
			if len(ls) == 0 {
				delete(st.out, k)
			} else {
				st.out[k] = ls
			}
		}
	}
	for id, a := range t.alerts {
		if a == nil {
			delete(st.alerts, id)
		} else {
			st.alerts[id] = a
		}
	}
	for id, p := range t.rps {
		if p == nil {
			delete(st.rps, id)
		} else {
			st.rps[id] = p
		}
	}
	for _, m := range t.metrics {
		if st.canons[m.Resource] == nil {
			continue
		}
		byName := st.metrics[m.Resource]
		if byName == nil {
			byName = map[string]resource.Metric{}
			st.metrics[m.Resource] = byName
		}
		if old, ok := byName[m.Name]; ok && old.Time.After(m.Time) {
			continue
		}
		byName[m.Name] = m
	}
	st.nextSeq = t.nextSeq
}
