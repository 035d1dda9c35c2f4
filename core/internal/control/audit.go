package control

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulsehost/pulse/core/internal/database"
)

// Component is the control path's component name in the database.
const Component = "control"

// migrations are the control component's schema steps (append only).
var migrations = [][]string{{
	`CREATE TABLE control_audit (
		id             INTEGER PRIMARY KEY AUTOINCREMENT,
		time_ms        INTEGER NOT NULL,
		actor          TEXT NOT NULL,
		resource_id    TEXT NOT NULL,
		resource_name  TEXT NOT NULL DEFAULT '',
		resource_type  TEXT NOT NULL DEFAULT '',
		platform       TEXT NOT NULL DEFAULT '',
		connection     TEXT NOT NULL DEFAULT '',
		native_id      TEXT NOT NULL DEFAULT '',
		action         TEXT NOT NULL,
		params         TEXT NOT NULL DEFAULT '{}',
		classification TEXT NOT NULL DEFAULT '',
		outcome        TEXT NOT NULL,
		message        TEXT NOT NULL DEFAULT '',
		reason         TEXT NOT NULL DEFAULT '',
		duration_ms    REAL NOT NULL DEFAULT 0
	)`,
	`CREATE INDEX control_audit_resource ON control_audit(resource_id, id)`,
}}

// Audit is the control audit log in SQLite.
type Audit struct{ db *sql.DB }

// OpenAudit migrates the control tables of db and returns the log.
func OpenAudit(ctx context.Context, db *sql.DB) (*Audit, error) {
	if err := database.Migrate(ctx, db, Component, migrations); err != nil {
		return nil, err
	}
	return &Audit{db: db}, nil
}

// Record inserts r and sets r.ID.
func (a *Audit) Record(ctx context.Context, r *Result) error {
	params, err := json.Marshal(r.Params)
	if err != nil {
		return fmt.Errorf("audit: params: %w", err)
	}
	res, err := a.db.ExecContext(ctx, `INSERT INTO control_audit(time_ms, actor, resource_id, resource_name, resource_type,
		platform, connection, native_id, action, params, classification, outcome, message, reason, duration_ms)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Time.UnixMilli(), r.Actor, r.ResourceID, r.ResourceName, r.ResourceType, r.Platform, r.Connection, r.NativeID,
		r.Action, string(params), r.Classification, r.Outcome, r.Message, r.Reason, r.DurationMS)
	if err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	r.ID, err = res.LastInsertId()
	return err
}

// Finish records the outcome of a running record.
func (a *Audit) Finish(ctx context.Context, r Result) error {
	_, err := a.db.ExecContext(ctx, `UPDATE control_audit SET outcome = ?, message = ?, reason = ?, duration_ms = ? WHERE id = ?`,
		r.Outcome, r.Message, r.Reason, r.DurationMS, r.ID)
	if err != nil {
		return fmt.Errorf("audit: update %d: %w", r.ID, err)
	}
	return nil
}

// Filter selects audit records.
type Filter struct {
	// Resource, when set, keeps the records of one canonical resource.
	Resource string
	// Limit bounds the records returned (default 100, at most 1000).
	Limit int
}

// List returns records, newest first.
func (a *Audit) List(ctx context.Context, f Filter) ([]Result, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	q := `SELECT id, time_ms, actor, resource_id, resource_name, resource_type, platform, connection, native_id,
		action, params, classification, outcome, message, reason, duration_ms FROM control_audit`
	args := []any{}
	if f.Resource != "" {
		q += ` WHERE resource_id = ?`
		args = append(args, f.Resource)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := a.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	out := []Result{}
	for rows.Next() {
		var r Result
		var ms int64
		var params string
		if err := rows.Scan(&r.ID, &ms, &r.Actor, &r.ResourceID, &r.ResourceName, &r.ResourceType, &r.Platform, &r.Connection,
			&r.NativeID, &r.Action, &params, &r.Classification, &r.Outcome, &r.Message, &r.Reason, &r.DurationMS); err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		r.Time = time.UnixMilli(ms).UTC()
		if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
			r.Params = map[string]any{"_unreadable": params}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
