package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/pulsehost/pulse/core/resource"
)

// load reads the persisted state and derives the merged views.
func load(ctx context.Context, db *sql.DB, enc *encoder) (*state, error) {
	st := newState()
	if err := loadSources(ctx, db, st); err != nil {
		return nil, err
	}
	if err := loadRecords(ctx, db, st); err != nil {
		return nil, err
	}
	if err := loadLinks(ctx, db, st); err != nil {
		return nil, err
	}
	if err := loadAlerts(ctx, db, st); err != nil {
		return nil, err
	}
	if err := loadRecoveryPoints(ctx, db, st); err != nil {
		return nil, err
	}
	for id, c := range st.canons {
		rs := make([]*record, 0, len(c.members))
		for _, k := range c.members {
			rs = append(rs, st.recs[k])
		}
		if len(rs) == 0 {
			delete(st.canons, id) // a resource without sources is not served
			continue
		}
		orderMembers(rs)
		v, err := buildView(rs, enc)
		if err != nil {
			return nil, fmt.Errorf("merge %s: %w", id, err)
		}
		for i, r := range rs {
			c.members[i] = r.key
		}
		c.view = v
	}
	return st, nil
}

func loadSources(ctx context.Context, db *sql.DB, st *state) error {
	rows, err := db.QueryContext(ctx, `SELECT platform, connection, last_snapshot, stale, stale_reason, stale_since FROM sources`)
	if err != nil {
		return fmt.Errorf("load sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src resource.SourceRef
		var last, since sql.NullInt64
		ss := &sourceState{}
		if err := rows.Scan(&src.Platform, &src.Connection, &last, &ss.stale, &ss.reason, &since); err != nil {
			return fmt.Errorf("load sources: %w", err)
		}
		ss.lastSnapshot, ss.since = fromDBTime(last), fromDBTime(since)
		st.sources[src] = ss
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load sources: %w", err)
	}
	return nil
}

func loadRecords(ctx context.Context, db *sql.DB, st *state) error {
	rows, err := db.QueryContext(ctx, `SELECT id, first_seen FROM canonicals`)
	if err != nil {
		return fmt.Errorf("load canonicals: %w", err)
	}
	for rows.Next() {
		var id string
		var first sql.NullInt64
		if err := rows.Scan(&id, &first); err != nil {
			rows.Close()
			return fmt.Errorf("load canonicals: %w", err)
		}
		st.canons[id] = &canon{id: id, firstSeen: fromDBTime(first)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load canonicals: %w", err)
	}

	rows, err = db.QueryContext(ctx, `SELECT key, platform, connection, canonical, seq, obs, first_seen, last_seen FROM records ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("load records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r := &record{}
		var blob []byte
		var first, last sql.NullInt64
		if err := rows.Scan(&r.key, &r.src.Platform, &r.src.Connection, &r.canon, &r.seq, &blob, &first, &last); err != nil {
			return fmt.Errorf("load records: %w", err)
		}
		if err := json.Unmarshal(blob, &r.obs); err != nil {
			return fmt.Errorf("load record %s: %w", r.key, err)
		}
		r.hash = sha256Sum(blob)
		r.strong = strongKeys(r.obs)
		r.firstSeen, r.lastSeen = fromDBTime(first), fromDBTime(last)
		c := st.canons[r.canon]
		if c == nil {
			return fmt.Errorf("load record %s: unknown canonical %s", r.key, r.canon)
		}
		c.members = append(c.members, r.key)
		st.indexRecord(r)
		if r.seq >= st.nextSeq {
			st.nextSeq = r.seq + 1
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load records: %w", err)
	}
	return nil
}

func loadLinks(ctx context.Context, db *sql.DB, st *state) error {
	rows, err := db.QueryContext(ctx, `SELECT platform, connection, from_id, kind, to_id FROM links`)
	if err != nil {
		return fmt.Errorf("load links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src resource.SourceRef
		var l linkKey
		if err := rows.Scan(&src.Platform, &src.Connection, &l.from, &l.kind, &l.to); err != nil {
			return fmt.Errorf("load links: %w", err)
		}
		set := st.links[src]
		if set == nil {
			set = map[linkKey]struct{}{}
			st.links[src] = set
		}
		set[l] = struct{}{}
		fk := src.Key(l.from)
		st.out[fk] = append(st.out[fk], outLink{kind: l.kind, toKey: src.Key(l.to)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load links: %w", err)
	}
	return nil
}

func loadAlerts(ctx context.Context, db *sql.DB, st *state) error {
	rows, err := db.QueryContext(ctx, `SELECT id, platform, connection, native_id, resource, severity, kind, message,
		started, snap_last_seen, last_seen, cleared FROM alerts`)
	if err != nil {
		return fmt.Errorf("load alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a := &alertRec{}
		var started, last, cleared sql.NullInt64
		if err := rows.Scan(&a.alert.ID, &a.src.Platform, &a.src.Connection, &a.native, &a.alert.Resource,
			&a.alert.Severity, &a.alert.Kind, &a.alert.Message, &started, &a.snapLastSeen, &last, &cleared); err != nil {
			return fmt.Errorf("load alerts: %w", err)
		}
		a.alert.Platform, a.alert.Connection = a.src.Platform, a.src.Connection
		a.alert.Started, a.alert.LastSeen = fromDBTime(started), fromDBTime(last)
		if cleared.Valid {
			t := fromDBTime(cleared)
			a.alert.Cleared = &t
		}
		st.alerts[a.alert.ID] = a
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load alerts: %w", err)
	}
	return nil
}

func loadRecoveryPoints(ctx context.Context, db *sql.DB, st *state) error {
	rows, err := db.QueryContext(ctx, `SELECT id, platform, connection, native_id, body FROM recovery_points`)
	if err != nil {
		return fmt.Errorf("load recovery points: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p := &rpRec{}
		var id string
		if err := rows.Scan(&id, &p.src.Platform, &p.src.Connection, &p.native, &p.blob); err != nil {
			return fmt.Errorf("load recovery points: %w", err)
		}
		if err := json.Unmarshal(p.blob, &p.rp); err != nil {
			return fmt.Errorf("load recovery point %s: %w", id, err)
		}
		p.hash = sha256Sum(p.blob)
		st.rps[id] = p
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load recovery points: %w", err)
	}
	return nil
}
