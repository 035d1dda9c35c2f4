package store

import (
	"context"
	"fmt"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// SnapshotTimePersistEvery bounds how old the last-snapshot time stored in
// SQLite may be behind memory. A snapshot in which nothing changed changes
// only that time; writing it every cycle would be the only store write of
// a steady estate, so it is written when something else of the source is,
// when the stored one is this old, and at Close. After a crash (no Close)
// records whose last sighting was such a snapshot show a last-seen time at
// most this much too old, until the next poll.
const SnapshotTimePersistEvery = 5 * time.Minute

// sourceRowChanged reports whether the source row must be written for t:
// anything but the last-snapshot time differs from what is stored, or the
// stored time is too old.
func (s *Store) sourceRowChanged(t *txn) bool {
	if t.source == nil {
		return false
	}
	old, ok := s.persisted[t.src]
	n := *t.source
	if !ok || old.stale != n.stale || old.reason != n.reason || !old.since.Equal(n.since) {
		return true
	}
	if n.lastSnapshot.Equal(old.lastSnapshot) {
		return false
	}
	return old.lastSnapshot.IsZero() || n.lastSnapshot.Sub(old.lastSnapshot) >= SnapshotTimePersistEvery ||
		n.lastSnapshot.Before(old.lastSnapshot)
}

// flushSnapshotTimes writes the last-snapshot times memory has and SQLite
// lacks (at Close).
func (s *Store) flushSnapshotTimes(ctx context.Context) error {
	var todo []resource.SourceRef
	for src, ss := range s.st.sources {
		if old, ok := s.persisted[src]; ok && !old.lastSnapshot.Equal(ss.lastSnapshot) {
			todo = append(todo, src)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("flush snapshot times: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, src := range todo {
		ss := s.st.sources[src]
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET last_snapshot = ? WHERE platform = ? AND connection = ?`,
			dbTime(ss.lastSnapshot), src.Platform, src.Connection); err != nil {
			return fmt.Errorf("flush snapshot times: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("flush snapshot times: %w", err)
	}
	for _, src := range todo {
		s.persisted[src] = *s.st.sources[src]
	}
	return nil
}
