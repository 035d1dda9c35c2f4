package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// recEdit is a planned change of one source record.
type recEdit struct {
	rec  *record // nil: delete
	blob []byte  // new observation JSON; nil when only metadata changed
}

// txn is one apply planned as an overlay on the published state. Planning
// only reads the published state (writers are serialized); commit swaps the
// overlay in under the write lock after SQLite has committed.
type txn struct {
	s     *Store
	st    *state
	src   resource.SourceRef
	at    time.Time
	enc   *encoder
	stats ApplyStats

	recs      map[string]*recEdit
	keyAdd    map[resource.IdentityKey]map[string]struct{}
	canons    map[string]*canon // nil: delete
	newCanons map[string]bool
	dirty     map[string]bool // canons whose view must be rebuilt

	source  *sourceState         // new state of src; nil: unchanged
	linkSet map[linkKey]struct{} // new links of src; nil: unchanged
	out     map[string][]outLink // new out-links of src's records
	alerts  map[string]*alertRec // nil: delete
	rps     map[string]*rpRec    // nil: delete
	metrics []resource.Metric    // resolved samples
	nextSeq int64
	srcRecs map[string]*record // the published records of src, by native id
}

func (s *Store) newTxn(src resource.SourceRef, at time.Time) *txn {
	return &txn{
		s: s, st: s.st, src: src, at: normTime(at), enc: newEncoder(),
		recs:      map[string]*recEdit{},
		keyAdd:    map[resource.IdentityKey]map[string]struct{}{},
		canons:    map[string]*canon{},
		newCanons: map[string]bool{},
		dirty:     map[string]bool{},
		alerts:    map[string]*alertRec{},
		rps:       map[string]*rpRec{},
		nextSeq:   s.st.nextSeq,
		srcRecs:   s.st.bySrc[src],
	}
}

// recByNative returns the current (overlaid) record of the txn's source
// with native id native, or nil. Unlike rec it builds no key string unless
// the txn already plans changes to records.
func (t *txn) recByNative(native string) *record {
	if len(t.recs) > 0 {
		return t.rec(t.src.Key(native))
	}
	return t.srcRecs[native]
}

// rec returns the current (overlaid) record with key, or nil.
func (t *txn) rec(key string) *record {
	if e, ok := t.recs[key]; ok {
		return e.rec
	}
	return t.st.recs[key]
}

// put plans r (replacing any record with its key); blob is its new
// observation JSON or nil when only metadata changed.
func (t *txn) put(r *record, blob []byte) {
	if e, ok := t.recs[r.key]; ok && blob == nil {
		blob = e.blob
	}
	t.recs[r.key] = &recEdit{rec: r, blob: blob}
	for _, k := range r.strong {
		set := t.keyAdd[k]
		if set == nil {
			set = map[string]struct{}{}
			t.keyAdd[k] = set
		}
		set[r.key] = struct{}{}
	}
}

// canon returns the current (overlaid) canonical resource with id, or nil.
func (t *txn) canon(id string) *canon {
	if c, ok := t.canons[id]; ok {
		return c
	}
	return t.st.canons[id]
}

// editCanon returns a private, modifiable copy of canon id and marks it dirty.
func (t *txn) editCanon(id string) *canon {
	t.dirty[id] = true
	if c, ok := t.canons[id]; ok && c != nil {
		return c
	}
	b := t.st.canons[id]
	c := &canon{id: b.id, firstSeen: b.firstSeen, members: slices.Clone(b.members)}
	t.canons[id] = c
	return c
}

// recordsWithKey returns the keys of the current records holding strong key k.
func (t *txn) recordsWithKey(k resource.IdentityKey) []string {
	var out []string
	for rk := range t.st.keyIdx[k] {
		if _, over := t.recs[rk]; !over {
			out = append(out, rk)
		}
	}
	for rk := range t.keyAdd[k] {
		if r := t.rec(rk); r != nil && slices.Contains(r.strong, k) {
			out = append(out, rk)
		}
	}
	return out
}

// compatible reports whether r may join canonical resource id: same type
// (or an agent host record and its hybrid platform's host type), no member
// of the same connection, merge allowed with every member.
func (t *txn) compatible(r *record, id string) bool {
	c := t.canon(id)
	if c == nil {
		return false
	}
	others := 0
	for _, mk := range c.members {
		if mk == r.key {
			continue
		}
		m := t.rec(mk)
		if m == nil || !typesMerge(m, r) || m.src == r.src || !mergeAllowed(m.src.Platform, r.src.Platform) {
			return false
		}
		others++
	}
	return others > 0
}

// candidates returns the canonical resources (other than r's own) that r's
// strong keys point at and that r may join, sorted.
func (t *txn) candidates(r *record) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range r.strong {
		for _, rk := range t.recordsWithKey(k) {
			if rk == r.key {
				continue
			}
			o := t.rec(rk)
			if o == nil || o.canon == "" || o.canon == r.canon || seen[o.canon] {
				continue
			}
			seen[o.canon] = true
			if t.compatible(r, o.canon) {
				out = append(out, o.canon)
			}
		}
	}
	sort.Strings(out)
	return out
}

// stillFits reports whether r may stay in its multi-source canonical
// resource: compatible with every other member and sharing a strong key with
// at least one.
func (t *txn) stillFits(r *record) bool {
	if !t.compatible(r, r.canon) {
		return false
	}
	for _, mk := range t.canon(r.canon).members {
		if m := t.rec(mk); mk != r.key && m != nil && sharesKey(r.strong, m.strong) {
			return true
		}
	}
	return false
}

// assign decides the canonical resource of r, a new or changed record that
// has been put. r.canon is its previous canonical id, or "" when new.
func (t *txn) assign(r *record, identityChanged bool) {
	if r.canon != "" && !identityChanged {
		t.editCanon(r.canon)
		return
	}
	if r.canon != "" {
		c := t.canon(r.canon)
		if len(c.members) > 1 {
			if t.stillFits(r) {
				t.editCanon(r.canon)
				return
			}
			t.removeMember(r.canon, r.key) // the others keep the id
			r.canon = ""
		} else {
			cands := t.candidates(r)
			if len(cands) == 1 {
				t.deleteCanon(r.canon)
				r.canon = ""
				t.join(r, cands[0])
				return
			}
			if len(cands) > 1 {
				t.warnAmbiguous(r, cands)
			}
			t.editCanon(r.canon)
			return
		}
	}
	cands := t.candidates(r)
	if len(cands) == 1 {
		t.join(r, cands[0])
		return
	}
	if len(cands) > 1 {
		t.warnAmbiguous(r, cands)
	}
	t.create(r)
}

func (t *txn) warnAmbiguous(r *record, cands []string) {
	if _, done := t.s.warned[r.key]; done {
		return
	}
	t.s.warned[r.key] = struct{}{}
	t.s.log.Warn("identity keys match several resources; not merging", "source_key", r.key, "candidates", cands)
}

func (t *txn) join(r *record, id string) {
	c := t.editCanon(id)
	c.members = append(c.members, r.key)
	r.canon = id
	t.stats.Merged++
}

func (t *txn) create(r *record) {
	id := ""
	for i := 0; ; i++ {
		id = canonicalID(r.obs.Type, r.key, i)
		if t.canon(id) == nil {
			break
		}
	}
	t.canons[id] = &canon{id: id, firstSeen: t.at, members: []string{r.key}}
	t.newCanons[id] = true
	t.dirty[id] = true
	r.canon = id
}

// removeMember takes key out of canonical resource id, deleting the resource
// when no source remains.
func (t *txn) removeMember(id, key string) {
	c := t.editCanon(id)
	c.members = slices.DeleteFunc(c.members, func(k string) bool { return k == key })
	if len(c.members) == 0 {
		t.deleteCanon(id)
	}
}

func (t *txn) deleteCanon(id string) {
	t.canons[id] = nil
	delete(t.dirty, id)
	delete(t.newCanons, id)
}

// upsert plans one observation. snapshot says whether it comes from a
// complete snapshot (last seen = the snapshot time) or a delta.
func (t *txn) upsert(o resource.Observation, snapshot bool) error {
	old := t.recByNative(o.NativeID)
	if old != nil && sameObservation(o, old.obs) {
		// Field for field what is stored, so its JSON and hash are too:
		// the steady state costs no encoding, hashing or allocation.
		t.unchanged(old, snapshot)
		return nil
	}
	blob, err := t.enc.encode(o)
	if err != nil {
		return fmt.Errorf("encode %s: %w", o.NativeID, err)
	}
	h := sha256Sum(blob)
	key := t.src.Key(o.NativeID)
	if old != nil && old.hash == h {
		t.unchanged(old, snapshot)
		return nil
	}
	return t.changed(o, old, key, blob, h, snapshot)
}

// unchanged plans an observation identical to the stored record old.
func (t *txn) unchanged(old *record, snapshot bool) {
	t.stats.Unchanged++
	switch {
	case !snapshot:
		r := *old
		r.lastSeen = t.at
		t.put(&r, nil)
	case !old.lastSeen.IsZero():
		r := *old
		r.lastSeen = time.Time{}
		t.put(&r, nil)
	}
}

// changed plans a new or changed observation o (old is the record it
// replaces, or nil) whose JSON is blob with hash h.
func (t *txn) changed(o resource.Observation, old *record, key string, blob []byte, h [32]byte, snapshot bool) error {
	blob = slices.Clone(blob)
	var norm resource.Observation
	if err := json.Unmarshal(blob, &norm); err != nil {
		return fmt.Errorf("decode %s: %w", o.NativeID, err)
	}
	r := &record{key: key, src: t.src, obs: norm, hash: h, strong: strongKeys(norm)}
	if old != nil {
		r.canon, r.seq, r.firstSeen = old.canon, old.seq, old.firstSeen
	} else {
		r.seq = t.nextSeq
		t.nextSeq++
		r.firstSeen = t.at
	}
	if !snapshot {
		r.lastSeen = t.at
	}
	t.put(r, blob)
	identityChanged := old == nil || old.obs.Type != r.obs.Type || !slices.Equal(old.strong, r.strong)
	t.assign(r, identityChanged)
	t.stats.Upserted++
	return nil
}

// remove plans the removal of a source record.
func (t *txn) remove(r *record) {
	t.removeMember(r.canon, r.key)
	t.recs[r.key] = &recEdit{}
	t.stats.Removed++
}

// finish rebuilds the views of dirty canonical resources.
func (t *txn) finish() error {
	for id := range t.dirty {
		c := t.canons[id]
		if c == nil {
			continue
		}
		rs := make([]*record, 0, len(c.members))
		for _, k := range c.members {
			if r := t.rec(k); r != nil {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			t.deleteCanon(id)
			continue
		}
		orderMembers(rs)
		v, err := buildView(rs, t.enc)
		if err != nil {
			return fmt.Errorf("merge %s: %w", id, err)
		}
		c.members = c.members[:0]
		for _, r := range rs {
			c.members = append(c.members, r.key)
		}
		c.view = v
	}
	return nil
}
