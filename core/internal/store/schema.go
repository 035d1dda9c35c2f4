package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema steps; version i+1 is reached by running
// migrations[i]. Append only.
var migrations = [][]string{
	{
		`CREATE TABLE sources (
			platform      TEXT NOT NULL,
			connection    TEXT NOT NULL,
			last_snapshot INTEGER,
			stale         INTEGER NOT NULL DEFAULT 0,
			stale_reason  TEXT NOT NULL DEFAULT '',
			stale_since   INTEGER,
			PRIMARY KEY (platform, connection)
		) WITHOUT ROWID`,
		`CREATE TABLE canonicals (
			id         TEXT PRIMARY KEY,
			first_seen INTEGER
		) WITHOUT ROWID`,
		`CREATE TABLE records (
			key        TEXT PRIMARY KEY,
			platform   TEXT NOT NULL,
			connection TEXT NOT NULL,
			native_id  TEXT NOT NULL,
			canonical  TEXT NOT NULL REFERENCES canonicals(id) DEFERRABLE INITIALLY DEFERRED,
			seq        INTEGER NOT NULL,
			obs        BLOB NOT NULL,
			first_seen INTEGER,
			last_seen  INTEGER
		)`,
		`CREATE INDEX records_canonical ON records(canonical)`,
		`CREATE TABLE links (
			platform   TEXT NOT NULL,
			connection TEXT NOT NULL,
			from_id    TEXT NOT NULL,
			kind       TEXT NOT NULL,
			to_id      TEXT NOT NULL,
			PRIMARY KEY (platform, connection, from_id, kind, to_id)
		) WITHOUT ROWID`,
		`CREATE TABLE alerts (
			id             TEXT PRIMARY KEY,
			platform       TEXT NOT NULL,
			connection     TEXT NOT NULL,
			native_id      TEXT NOT NULL,
			resource       TEXT NOT NULL,
			severity       TEXT NOT NULL,
			kind           TEXT NOT NULL,
			message        TEXT NOT NULL,
			started        INTEGER,
			snap_last_seen INTEGER NOT NULL,
			last_seen      INTEGER,
			cleared        INTEGER
		) WITHOUT ROWID`,
		`CREATE TABLE recovery_points (
			id         TEXT PRIMARY KEY,
			platform   TEXT NOT NULL,
			connection TEXT NOT NULL,
			native_id  TEXT NOT NULL,
			body       BLOB NOT NULL
		) WITHOUT ROWID`,
	},
}

// migrate brings the schema to the latest version in one transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("schema version table: %w", err)
	}
	var v int
	switch err := db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err {
	case nil:
	case sql.ErrNoRows:
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_version(version) VALUES(0)`); err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
	default:
		return fmt.Errorf("schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this build (%d)", v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for i := v; i < len(migrations); i++ {
		for _, q := range migrations[i] {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("migrate to %d: %w", i+1, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
