package store

import (
	"encoding/json"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// record is one source record: one source's observation of one resource.
// Published records are immutable; an apply replaces them with copies.
type record struct {
	key       string // platform/connection/native-id
	src       resource.SourceRef
	obs       resource.Observation // normalized (JSON round-tripped)
	hash      [32]byte             // sha256 of the stored observation JSON
	canon     string               // canonical id
	seq       int64                // creation order, breaks first-seen ties
	firstSeen time.Time
	// lastSeen is set when a delta saw the record after the source's last
	// snapshot; zero means "the source's last snapshot time".
	lastSeen time.Time
	strong   []resource.IdentityKey // usable, normalized, deduped strong keys
}

// canon is one canonical resource. Published canons are immutable.
type canon struct {
	id        string
	firstSeen time.Time
	members   []string // record keys in role order (primary first) once viewed
	view      *view
}

// view is the merged content of a canonical resource, derived from its
// members' observations only (so it is rebuilt identically on load).
type view struct {
	typ        resource.Type
	name       string
	status     resource.Status
	runtime    string
	identity   []resource.IdentityKey
	topology   map[string]string
	tags       []string
	attributes json.RawMessage
	fields     [][]string // per member, in members order
}

// sourceState is the per-source (platform/connection) state.
type sourceState struct {
	lastSnapshot time.Time
	stale        bool
	reason       string
	since        time.Time
}

// linkKey is one stored link of a source, by native ids.
type linkKey struct {
	from string
	kind resource.RelKind
	to   string
}

// outLink is an outgoing link of a record, by source keys.
type outLink struct {
	kind  resource.RelKind
	toKey string
}

// alertRec is one stored alert. alert.ID is canonical, alert.Resource is the
// source's native id (resolved on read).
type alertRec struct {
	alert  resource.Alert
	native string
	src    resource.SourceRef
	// snapLastSeen means alert.LastSeen is the source's last snapshot time.
	snapLastSeen bool
}

// rpRec is one stored recovery point. rp.ID is canonical, rp.Resource is the
// source's native id (resolved on read).
type rpRec struct {
	rp     resource.RecoveryPoint
	native string
	src    resource.SourceRef
	hash   [32]byte
	blob   []byte // stored JSON of rp
}

// state is the whole in-memory state. Its maps are only mutated by commit,
// under the store's write lock.
type state struct {
	recs    map[string]*record
	bySrc   map[resource.SourceRef]map[string]*record // native id → record
	keyIdx  map[resource.IdentityKey]map[string]struct{}
	canons  map[string]*canon
	sources map[resource.SourceRef]*sourceState
	links   map[resource.SourceRef]map[linkKey]struct{}
	out     map[string][]outLink // from record key → links
	alerts  map[string]*alertRec
	rps     map[string]*rpRec
	metrics map[string]map[string]resource.Metric // canonical id → name → sample
	nextSeq int64
}

func newState() *state {
	return &state{
		recs:    map[string]*record{},
		bySrc:   map[resource.SourceRef]map[string]*record{},
		keyIdx:  map[resource.IdentityKey]map[string]struct{}{},
		canons:  map[string]*canon{},
		sources: map[resource.SourceRef]*sourceState{},
		links:   map[resource.SourceRef]map[linkKey]struct{}{},
		out:     map[string][]outLink{},
		alerts:  map[string]*alertRec{},
		rps:     map[string]*rpRec{},
		metrics: map[string]map[string]resource.Metric{},
		nextSeq: 1,
	}
}

// indexRecord adds r to the record maps and the key index.
func (st *state) indexRecord(r *record) {
	st.recs[r.key] = r
	m := st.bySrc[r.src]
	if m == nil {
		m = map[string]*record{}
		st.bySrc[r.src] = m
	}
	m[r.obs.NativeID] = r
	for _, k := range r.strong {
		set := st.keyIdx[k]
		if set == nil {
			set = map[string]struct{}{}
			st.keyIdx[k] = set
		}
		set[r.key] = struct{}{}
	}
}

// unindexRecord removes r from the record maps and the key index.
func (st *state) unindexRecord(r *record) {
	delete(st.recs, r.key)
	if m := st.bySrc[r.src]; m != nil {
		delete(m, r.obs.NativeID)
	}
	for _, k := range r.strong {
		if set := st.keyIdx[k]; set != nil {
			delete(set, r.key)
			if len(set) == 0 {
				delete(st.keyIdx, k)
			}
		}
	}
}

// lastSeen is the effective last-seen time of r.
func (st *state) lastSeen(r *record) time.Time {
	if !r.lastSeen.IsZero() {
		return r.lastSeen
	}
	if ss := st.sources[r.src]; ss != nil {
		return ss.lastSnapshot
	}
	return time.Time{}
}
