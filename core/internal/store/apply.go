package store

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// ApplySnapshot applies one complete, successful collection of src at time
// at. It is the complete truth of the source: records, alerts and recovery
// points of src absent from snap are removed (alerts are cleared), the
// source's links are replaced, and the source is no longer stale. A failed
// apply changes nothing, in memory or on disk.
func (s *Store) ApplySnapshot(ctx context.Context, src resource.SourceRef, snap resource.Snapshot, at time.Time) (ApplyStats, error) {
	if err := validSourceRef(src); err != nil {
		return ApplyStats{}, fmt.Errorf("apply snapshot: %w", err)
	}
	if err := checkObservations(snap.Resources); err != nil {
		return ApplyStats{}, fmt.Errorf("apply snapshot %s/%s: %w", src.Platform, src.Connection, err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.db == nil {
		return ApplyStats{}, ErrClosed
	}
	t := s.newTxn(src, at)

	present := make(map[string]bool, len(snap.Resources))
	for _, o := range snap.Resources {
		present[o.NativeID] = true
	}
	for native, r := range s.st.bySrc[src] {
		if !present[native] {
			t.remove(r)
		}
	}
	for _, o := range sortedObservations(snap.Resources) {
		if err := t.upsert(o, true); err != nil {
			return ApplyStats{}, fmt.Errorf("apply snapshot %s/%s: %w", src.Platform, src.Connection, err)
		}
	}
	t.planLinks(map[linkKey]struct{}{}, snap.Links)

	raised := make(map[string]bool, len(snap.Alerts))
	for _, a := range snap.Alerts {
		t.raise(a, true)
		raised[alertID(src, a.ID)] = true
	}
	for id, a := range s.st.alerts {
		if a.src == src && a.alert.Cleared == nil && !raised[id] {
			t.clearAlert(a)
		}
	}
	t.pruneCleared()
	if err := t.planRecoveryPoints(snap.RecoveryPoints); err != nil {
		return ApplyStats{}, fmt.Errorf("apply snapshot %s/%s: %w", src.Platform, src.Connection, err)
	}
	t.planMetrics(snap.Metrics)
	t.source = &sourceState{lastSnapshot: t.at}

	if err := s.run(ctx, t); err != nil {
		return ApplyStats{}, fmt.Errorf("apply snapshot %s/%s: %w", src.Platform, src.Connection, err)
	}
	return t.stats, nil
}

// ApplyDelta applies an incremental change of src at time at: it upserts
// observations (last seen = at), replaces the links from upserted records
// with the delta's links, removes the Removed records, raises and clears
// alerts and stores metrics. It removes nothing else and does not change the
// source's staleness.
func (s *Store) ApplyDelta(ctx context.Context, src resource.SourceRef, d resource.Delta, at time.Time) (ApplyStats, error) {
	if err := validSourceRef(src); err != nil {
		return ApplyStats{}, fmt.Errorf("apply delta: %w", err)
	}
	if err := checkObservations(d.Upserts); err != nil {
		return ApplyStats{}, fmt.Errorf("apply delta %s/%s: %w", src.Platform, src.Connection, err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.db == nil {
		return ApplyStats{}, ErrClosed
	}
	t := s.newTxn(src, at)

	upserted := make(map[string]bool, len(d.Upserts))
	for _, o := range d.Upserts {
		upserted[o.NativeID] = true
	}
	removed := map[string]bool{}
	for _, native := range d.Removed {
		if upserted[native] || removed[native] {
			continue
		}
		if r := t.rec(src.Key(native)); r != nil {
			removed[native] = true
			t.remove(r)
		}
	}
	for _, o := range sortedObservations(d.Upserts) {
		if err := t.upsert(o, false); err != nil {
			return ApplyStats{}, fmt.Errorf("apply delta %s/%s: %w", src.Platform, src.Connection, err)
		}
	}
	links := maps.Clone(s.st.links[src])
	if links == nil {
		links = map[linkKey]struct{}{}
	}
	for l := range links {
		if upserted[l.from] || removed[l.from] || removed[l.to] {
			delete(links, l)
		}
	}
	t.planLinks(links, d.Links)

	for _, a := range d.Alerts {
		t.raise(a, false)
	}
	for _, native := range d.ClearedAlerts {
		if a := t.alert(alertID(src, native)); a != nil && a.alert.Cleared == nil {
			t.clearAlert(a)
		}
	}
	t.pruneCleared()
	t.planMetrics(d.Metrics)
	if s.st.sources[src] == nil {
		t.source = &sourceState{}
	}

	if err := s.run(ctx, t); err != nil {
		return ApplyStats{}, fmt.Errorf("apply delta %s/%s: %w", src.Platform, src.Connection, err)
	}
	return t.stats, nil
}

// MarkStale records that src failed (a failed poll, a crashed plugin) at
// time at. It deletes nothing and leaves last-seen times alone: every record
// of src becomes stale with reason; a source already stale keeps its
// stale-since time and takes the new reason.
func (s *Store) MarkStale(ctx context.Context, src resource.SourceRef, reason string, at time.Time) error {
	if err := validSourceRef(src); err != nil {
		return fmt.Errorf("mark stale: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	t := s.newTxn(src, at)
	n := sourceState{stale: true, reason: reason, since: t.at}
	if old := s.st.sources[src]; old != nil {
		n.lastSnapshot = old.lastSnapshot
		if old.stale {
			if old.reason == reason {
				return nil
			}
			n.since = old.since
		}
	}
	t.source = &n
	if err := s.run(ctx, t); err != nil {
		return fmt.Errorf("mark stale %s/%s: %w", src.Platform, src.Connection, err)
	}
	return nil
}

// run finishes t, writes it to SQLite in one transaction and, only when that
// committed, swaps it into memory.
func (s *Store) run(ctx context.Context, t *txn) error {
	if err := t.finish(); err != nil {
		return err
	}
	if err := s.write(ctx, t); err != nil {
		return err
	}
	s.commit(t)
	s.notify(t)
	return nil
}
