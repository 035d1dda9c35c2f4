package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
)

// checkObservations refuses observations the store cannot key or type.
func checkObservations(obs []resource.Observation) error {
	seen := make(map[string]bool, len(obs))
	for _, o := range obs {
		if o.NativeID == "" {
			return fmt.Errorf("observation without native id")
		}
		if !resource.IsCanonical(o.Type) {
			return fmt.Errorf("observation %s: resource type %q is not canonical", o.NativeID, o.Type)
		}
		if seen[o.NativeID] {
			return fmt.Errorf("observation %s: duplicate native id", o.NativeID)
		}
		seen[o.NativeID] = true
	}
	return nil
}

// sortedObservations returns obs sorted by native id so that merge decisions
// do not depend on the order a plugin emits.
// Plugins mostly emit in order already: then obs itself is returned (the
// callers only read it).
func sortedObservations(obs []resource.Observation) []resource.Observation {
	byID := func(a, b resource.Observation) int { return strings.Compare(a.NativeID, b.NativeID) }
	if slices.IsSortedFunc(obs, byID) {
		return obs
	}
	out := slices.Clone(obs)
	slices.SortFunc(out, byID)
	return out
}

// known reports whether native is a current record of the txn's source.
func (t *txn) known(native string) bool { return t.rec(t.src.Key(native)) != nil }

// planLinks sets the source's new link set: base (the links kept) plus the
// resolvable ones of in. Unresolvable links are counted as dropped.
func (t *txn) planLinks(base map[linkKey]struct{}, in []resource.Link) {
	for _, l := range in {
		if !resource.IsRelKind(l.Kind) || !t.known(l.From) || !t.known(l.To) {
			t.stats.DroppedLinks++
			continue
		}
		base[linkKey{from: l.From, kind: l.Kind, to: l.To}] = struct{}{}
	}
	old := t.st.links[t.src]
	if maps.Equal(old, base) || (len(old) == 0 && len(base) == 0) {
		return
	}
	t.linkSet = base
	t.out = map[string][]outLink{}
	for l := range old {
		t.out[t.src.Key(l.from)] = nil
	}
	for l := range base {
		fk := t.src.Key(l.from)
		t.out[fk] = append(t.out[fk], outLink{kind: l.kind, toKey: t.src.Key(l.to)})
	}
}

// alert returns the current (overlaid) alert with id, or nil.
func (t *txn) alert(id string) *alertRec {
	if a, ok := t.alerts[id]; ok {
		return a
	}
	return t.st.alerts[id]
}

// raise plans an active alert. snapshot says its last seen is the snapshot
// time.
func (t *txn) raise(a resource.Alert, snapshot bool) {
	id := alertID(t.src, a.ID)
	n := &alertRec{
		alert: resource.Alert{
			ID: id, Resource: a.Resource, Platform: t.src.Platform, Connection: t.src.Connection,
			Severity: a.Severity, Kind: a.Kind, Message: a.Message, Started: normTime(a.Started),
		},
		native: a.ID, src: t.src, snapLastSeen: snapshot,
	}
	if n.alert.Started.IsZero() {
		n.alert.Started = t.at
	}
	if !snapshot {
		n.alert.LastSeen = t.at
	}
	old := t.alert(id)
	if old != nil && old.alert.Cleared == nil {
		n.alert.Started = old.alert.Started
	}
	if old != nil && old.snapLastSeen == n.snapLastSeen && sameAlert(old.alert, n.alert) {
		return
	}
	t.alerts[id] = n
}

func sameAlert(a, b resource.Alert) bool {
	return a.Resource == b.Resource && a.Severity == b.Severity && a.Kind == b.Kind &&
		a.Message == b.Message && a.Started.Equal(b.Started) && a.LastSeen.Equal(b.LastSeen) &&
		(a.Cleared == nil) == (b.Cleared == nil)
}

// clearAlert plans clearing an active alert at the txn's time.
func (t *txn) clearAlert(old *alertRec) {
	n := *old
	if n.snapLastSeen {
		if ss := t.st.sources[t.src]; ss != nil {
			n.alert.LastSeen = ss.lastSnapshot
		}
		n.snapLastSeen = false
	}
	at := t.at
	n.alert.Cleared = &at
	t.alerts[n.alert.ID] = &n
}

// pruneCleared plans deleting the oldest cleared alerts beyond the limit.
func (t *txn) pruneCleared() {
	var cleared []*alertRec
	for id, a := range t.st.alerts {
		if _, over := t.alerts[id]; !over && a.alert.Cleared != nil {
			cleared = append(cleared, a)
		}
	}
	for _, a := range t.alerts {
		if a != nil && a.alert.Cleared != nil {
			cleared = append(cleared, a)
		}
	}
	if len(cleared) <= MaxClearedAlerts {
		return
	}
	sort.Slice(cleared, func(i, j int) bool {
		a, b := cleared[i].alert, cleared[j].alert
		if !a.Cleared.Equal(*b.Cleared) {
			return a.Cleared.After(*b.Cleared)
		}
		return a.ID < b.ID
	})
	for _, a := range cleared[MaxClearedAlerts:] {
		t.alerts[a.alert.ID] = nil
	}
}

// planRecoveryPoints replaces the source's recovery points with in.
func (t *txn) planRecoveryPoints(in []resource.RecoveryPoint) error {
	present := make(map[string]bool, len(in))
	for _, p := range in {
		id := recoveryID(t.src, p.ID)
		present[id] = true
		n := resource.RecoveryPoint{
			ID: id, Resource: p.Resource, Platform: t.src.Platform, Connection: t.src.Connection,
			Kind: p.Kind, Time: normTime(p.Time), SizeBytes: p.SizeBytes, Storage: p.Storage,
			Attributes: p.Attributes,
		}
		blob, err := t.enc.encode(n)
		if err != nil {
			return fmt.Errorf("encode recovery point %s: %w", p.ID, err)
		}
		blob = slices.Clone(blob)
		h := sha256Sum(blob)
		if old := t.st.rps[id]; old != nil && old.hash == h {
			continue
		}
		var norm resource.RecoveryPoint
		if err := json.Unmarshal(blob, &norm); err != nil {
			return fmt.Errorf("decode recovery point %s: %w", p.ID, err)
		}
		t.rps[id] = &rpRec{rp: norm, native: p.ID, src: t.src, hash: h, blob: blob}
	}
	for id, p := range t.st.rps {
		if p.src == t.src && !present[id] {
			t.rps[id] = nil
		}
	}
	return nil
}

// planMetrics resolves samples to canonical ids, dropping unresolvable ones.
func (t *txn) planMetrics(in []resource.Metric) {
	if cap(t.metrics) == 0 {
		t.metrics = make([]resource.Metric, 0, len(in))
	}
	var r *record
	last := ""
	for _, m := range in {
		if r == nil || m.Resource != last { // a resource's samples come together
			r, last = t.recByNative(m.Resource), m.Resource
		}
		if r == nil {
			continue
		}
		m.Resource = r.canon
		m.Time = normTime(m.Time)
		t.metrics = append(t.metrics, m)
	}
}
