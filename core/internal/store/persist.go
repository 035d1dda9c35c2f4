package store

import (
	"context"
	"database/sql"
	"fmt"
)

// write persists t in one SQLite transaction. Only what changed is written:
// a steady-state snapshot of unchanged records writes nothing (its
// last-snapshot time is written now and then; see SnapshotTimePersistEvery).
func (s *Store) write(ctx context.Context, t *txn) (err error) {
	other := len(t.recs) > 0 || len(t.canons) > 0 || t.linkSet != nil || len(t.alerts) > 0 || len(t.rps) > 0
	// The source row rides along with any other write (it costs nothing
	// more then); alone, it is written only when it changed for real.
	writeSource := t.source != nil && (other || s.sourceRowChanged(t))
	if !writeSource && !other {
		return nil // nothing to persist: no transaction at all
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	w := &writer{ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{}}
	defer w.close()

	for id := range t.newCanons {
		if c := t.canons[id]; c != nil {
			if err := w.exec(`INSERT INTO canonicals(id, first_seen) VALUES(?, ?)
				ON CONFLICT(id) DO UPDATE SET first_seen = excluded.first_seen`, id, dbTime(c.firstSeen)); err != nil {
				return err
			}
		}
	}
	for key, e := range t.recs {
		r := e.rec
		switch {
		case r == nil:
			err = w.exec(`DELETE FROM records WHERE key = ?`, key)
		case e.blob != nil:
			err = w.exec(`INSERT INTO records(key, platform, connection, native_id, canonical, seq, obs, first_seen, last_seen)
				VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT(key) DO UPDATE SET canonical = excluded.canonical, obs = excluded.obs, last_seen = excluded.last_seen`,
				key, r.src.Platform, r.src.Connection, r.obs.NativeID, r.canon, r.seq, e.blob,
				dbTime(r.firstSeen), dbTime(r.lastSeen))
		default:
			err = w.exec(`UPDATE records SET canonical = ?, last_seen = ? WHERE key = ?`, r.canon, dbTime(r.lastSeen), key)
		}
		if err != nil {
			return err
		}
	}
	for id, c := range t.canons {
		if c == nil {
			if err := w.exec(`DELETE FROM canonicals WHERE id = ?`, id); err != nil {
				return err
			}
		}
	}
	if writeSource {
		ss := t.source
		if err := w.exec(`INSERT INTO sources(platform, connection, last_snapshot, stale, stale_reason, stale_since)
			VALUES(?, ?, ?, ?, ?, ?)
			ON CONFLICT(platform, connection) DO UPDATE SET last_snapshot = excluded.last_snapshot,
				stale = excluded.stale, stale_reason = excluded.stale_reason, stale_since = excluded.stale_since`,
			t.src.Platform, t.src.Connection, dbTime(ss.lastSnapshot), ss.stale, ss.reason, dbTime(ss.since)); err != nil {
			return err
		}
	}
	if t.linkSet != nil {
		old := t.st.links[t.src]
		for l := range old {
			if _, keep := t.linkSet[l]; !keep {
				if err := w.exec(`DELETE FROM links WHERE platform = ? AND connection = ? AND from_id = ? AND kind = ? AND to_id = ?`,
					t.src.Platform, t.src.Connection, l.from, string(l.kind), l.to); err != nil {
					return err
				}
			}
		}
		for l := range t.linkSet {
			if _, had := old[l]; !had {
				if err := w.exec(`INSERT OR IGNORE INTO links(platform, connection, from_id, kind, to_id) VALUES(?, ?, ?, ?, ?)`,
					t.src.Platform, t.src.Connection, l.from, string(l.kind), l.to); err != nil {
					return err
				}
			}
		}
	}
	for id, a := range t.alerts {
		if a == nil {
			err = w.exec(`DELETE FROM alerts WHERE id = ?`, id)
		} else {
			var lastSeen any
			if !a.snapLastSeen {
				lastSeen = dbTime(a.alert.LastSeen)
			}
			var cleared any
			if a.alert.Cleared != nil {
				cleared = dbTime(*a.alert.Cleared)
			}
			err = w.exec(`INSERT INTO alerts(id, platform, connection, native_id, resource, severity, kind, message,
					started, snap_last_seen, last_seen, cleared)
				VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT(id) DO UPDATE SET resource = excluded.resource, severity = excluded.severity,
					kind = excluded.kind, message = excluded.message, started = excluded.started,
					snap_last_seen = excluded.snap_last_seen, last_seen = excluded.last_seen, cleared = excluded.cleared`,
				id, a.src.Platform, a.src.Connection, a.native, a.alert.Resource, string(a.alert.Severity),
				a.alert.Kind, a.alert.Message, dbTime(a.alert.Started), a.snapLastSeen, lastSeen, cleared)
		}
		if err != nil {
			return err
		}
	}
	for id, p := range t.rps {
		if p == nil {
			err = w.exec(`DELETE FROM recovery_points WHERE id = ?`, id)
		} else {
			err = w.exec(`INSERT INTO recovery_points(id, platform, connection, native_id, body) VALUES(?, ?, ?, ?, ?)
				ON CONFLICT(id) DO UPDATE SET body = excluded.body`,
				id, p.src.Platform, p.src.Connection, p.native, p.blob)
		}
		if err != nil {
			return err
		}
	}
	if s.beforeCommit != nil {
		if err := s.beforeCommit(); err != nil {
			return err
		}
	}
	s.rowsWritten += w.rows
	if err := tx.Commit(); err != nil {
		s.rowsWritten -= w.rows
		return fmt.Errorf("commit: %w", err)
	}
	if writeSource {
		s.persisted[t.src] = *t.source
	}
	return nil
}

// writer executes statements of one transaction, preparing each distinct
// statement once.
type writer struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	rows  int64
}

func (w *writer) exec(query string, args ...any) error {
	st, ok := w.stmts[query]
	if !ok {
		var err error
		if st, err = w.tx.PrepareContext(w.ctx, query); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		w.stmts[query] = st
	}
	if _, err := st.ExecContext(w.ctx, args...); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	w.rows++
	return nil
}

func (w *writer) close() {
	for _, st := range w.stmts {
		_ = st.Close()
	}
}
