package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulsehost/pulse/core/internal/database"
)

// migrations are the alerts component's tables (database.Migrate).
var migrations = [][]string{{
	`CREATE TABLE alerts_active (
		id   TEXT PRIMARY KEY,
		body TEXT NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE alerts_history (
		seq      INTEGER PRIMARY KEY AUTOINCREMENT,
		event_id TEXT NOT NULL UNIQUE,
		alert_id TEXT NOT NULL,
		at_ms    INTEGER NOT NULL,
		what     TEXT NOT NULL,
		body     TEXT NOT NULL
	)`,
	`CREATE INDEX alerts_history_alert ON alerts_history(alert_id, at_ms)`,
	`CREATE INDEX alerts_history_at ON alerts_history(at_ms)`,
	`CREATE TABLE alerts_silences (
		id      TEXT PRIMARY KEY,
		ends_ms INTEGER NOT NULL,
		body    TEXT NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE alerts_backup_failures (
		resource  TEXT PRIMARY KEY,
		failed_ms INTEGER NOT NULL,
		message   TEXT NOT NULL
	) WITHOUT ROWID`,
}}

// DB keeps the engine's state in the core's SQLite file.
type DB struct{ db *sql.DB }

// OpenDB migrates the alerts tables on db (from database.Open).
func OpenDB(ctx context.Context, db *sql.DB) (*DB, error) {
	if err := database.Migrate(ctx, db, "alerts", migrations); err != nil {
		return nil, err
	}
	return &DB{db: db}, nil
}

// Record writes transitions: the history rows and the active set, in one
// transaction. Events already recorded (same id) are skipped.
func (d *DB) Record(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record alerts: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := RecordTx(ctx, tx, events); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record alerts: %w", err)
	}
	return nil
}

// RecordTx is Record inside a caller's transaction (so the notification
// outbox commits with the transitions it reports).
func RecordTx(ctx context.Context, tx *sql.Tx, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	// Each statement is prepared once per call, not once per event: a first
	// evaluation of a large estate records thousands of transitions.
	hist, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO alerts_history(event_id, alert_id, at_ms, what, body) VALUES(?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("record alert history: %w", err)
	}
	defer hist.Close()
	var del, put *sql.Stmt
	for _, ev := range events {
		body, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("record alerts: %w", err)
		}
		if _, err := hist.ExecContext(ctx, ev.ID, ev.Alert.ID, ev.At.UnixMilli(), ev.What, string(body)); err != nil {
			return fmt.Errorf("record alert history: %w", err)
		}
		if ev.Alert.State == StateResolved {
			if del == nil {
				if del, err = tx.PrepareContext(ctx, `DELETE FROM alerts_active WHERE id = ?`); err != nil {
					return fmt.Errorf("record active alert: %w", err)
				}
				defer del.Close()
			}
			_, err = del.ExecContext(ctx, ev.Alert.ID)
		} else {
			if put == nil {
				if put, err = tx.PrepareContext(ctx, `INSERT INTO alerts_active(id, body) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body`); err != nil {
					return fmt.Errorf("record active alert: %w", err)
				}
				defer put.Close()
			}
			a, _ := json.Marshal(ev.Alert)
			_, err = put.ExecContext(ctx, ev.Alert.ID, string(a))
		}
		if err != nil {
			return fmt.Errorf("record active alert: %w", err)
		}
	}
	return nil
}

// LoadActive returns the alerts active when the core last stopped.
func (d *DB) LoadActive(ctx context.Context) ([]Alert, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT body FROM alerts_active ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("load alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("load alerts: %w", err)
		}
		var a Alert
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			return nil, fmt.Errorf("load alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// HistoryFilter selects history rows.
type HistoryFilter struct {
	AlertID string
	Since   time.Time
	Limit   int
}

// History returns transitions, newest first.
func (d *DB) History(ctx context.Context, f HistoryFilter) ([]Event, error) {
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 500
	}
	q := `SELECT body FROM alerts_history WHERE at_ms >= ?`
	args := []any{f.Since.UnixMilli()}
	if f.AlertID != "" {
		q += ` AND alert_id = ?`
		args = append(args, f.AlertID)
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("alert history: %w", err)
		}
		var ev Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, fmt.Errorf("alert history: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Prune deletes history older than retention, and ended silences.
func (d *DB) Prune(ctx context.Context, now time.Time, retention time.Duration) (int64, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM alerts_history WHERE at_ms < ?`, now.Add(-retention).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("prune alert history: %w", err)
	}
	if _, err := d.db.ExecContext(ctx, `DELETE FROM alerts_silences WHERE ends_ms < ?`, now.Add(-retention).UnixMilli()); err != nil {
		return 0, fmt.Errorf("prune silences: %w", err)
	}
	return res.RowsAffected()
}

// Silences returns every silence not ended before now (all when now is zero).
func (d *DB) Silences(ctx context.Context, now time.Time) ([]Silence, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT body FROM alerts_silences WHERE ends_ms >= ? ORDER BY ends_ms`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("silences: %w", err)
	}
	defer rows.Close()
	out := []Silence{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("silences: %w", err)
		}
		var s Silence
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return nil, fmt.Errorf("silences: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PutSilence creates or replaces a silence (a new id when it has none).
func (d *DB) PutSilence(ctx context.Context, s *Silence, now time.Time) error {
	if s.ID == "" {
		s.ID = newID()
		s.CreatedAt = now
	}
	body, _ := json.Marshal(s)
	_, err := d.db.ExecContext(ctx, `INSERT INTO alerts_silences(id, ends_ms, body) VALUES(?,?,?)
		ON CONFLICT(id) DO UPDATE SET ends_ms = excluded.ends_ms, body = excluded.body`, s.ID, s.EndsAt.UnixMilli(), string(body))
	if err != nil {
		return fmt.Errorf("save silence: %w", err)
	}
	return nil
}

// DeleteSilence removes a silence; it reports whether it existed.
func (d *DB) DeleteSilence(ctx context.Context, id string) (bool, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM alerts_silences WHERE id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("delete silence: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// BackupFailure is a failed backup the engine keeps until a later good one.
type BackupFailure struct {
	Resource string
	FailedAt time.Time
	Message  string
}

// NoteBackupFailure remembers the newest failed backup of a resource.
func (d *DB) NoteBackupFailure(ctx context.Context, f BackupFailure) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO alerts_backup_failures(resource, failed_ms, message) VALUES(?,?,?)
		ON CONFLICT(resource) DO UPDATE SET failed_ms = excluded.failed_ms, message = excluded.message
		WHERE excluded.failed_ms > alerts_backup_failures.failed_ms`, f.Resource, f.FailedAt.UnixMilli(), f.Message)
	if err != nil {
		return fmt.Errorf("note backup failure: %w", err)
	}
	return nil
}

// BackupFailures returns the failed backups not yet followed by a good one.
func (d *DB) BackupFailures(ctx context.Context) ([]BackupFailure, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT resource, failed_ms, message FROM alerts_backup_failures ORDER BY resource`)
	if err != nil {
		return nil, fmt.Errorf("backup failures: %w", err)
	}
	defer rows.Close()
	var out []BackupFailure
	for rows.Next() {
		var f BackupFailure
		var ms int64
		if err := rows.Scan(&f.Resource, &ms, &f.Message); err != nil {
			return nil, fmt.Errorf("backup failures: %w", err)
		}
		f.FailedAt = time.UnixMilli(ms).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// ClearBackupFailure forgets a failure once a later backup succeeded.
func (d *DB) ClearBackupFailure(ctx context.Context, res string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM alerts_backup_failures WHERE resource = ?`, res)
	if err != nil {
		return fmt.Errorf("clear backup failure: %w", err)
	}
	return nil
}
