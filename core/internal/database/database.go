// Package database opens the core's SQLite file (data_dir/pulse.db) for the
// parts of the core that keep their own tables beside the resource store
// (agents and tokens, the control audit log, alerts, notifications, history),
// and migrates each part's tables independently, so that parts can grow their
// schema without renumbering one another's steps.
//
// Every part opens its own handle: SQLite in WAL mode lets readers proceed
// while one writer writes, and busy_timeout makes concurrent writers (another
// part, or a CLI command on the same data_dir while `pulse serve` runs) wait
// instead of failing.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, "sqlite"
)

// Open opens (creating) the SQLite database at path with the core's pragmas:
// WAL journal, synchronous NORMAL, a 5 s busy timeout and foreign keys on.
// maxConns bounds the pool (1 serializes every statement of this handle).
func Open(path string, maxConns int) (*sql.DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open database: path %q may not contain '?' or '#'", path)
	}
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if maxConns < 1 {
		maxConns = 1
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(context.Background()); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// Migrate brings component's tables to len(steps) in one transaction. Step i
// (0-based) moves the component from version i to i+1; steps are append
// only. Versions are kept per component in the component_schema table, so
// components migrate independently of each other and of the resource store.
func Migrate(ctx context.Context, db *sql.DB, component string, steps [][]string) error {
	// BEGIN IMMEDIATE takes the write lock up front, waiting out another
	// process's writer (busy_timeout) instead of failing: a deferred
	// transaction that read first and then writes gets SQLITE_BUSY at once
	// when another process (a CLI creating its session token while the
	// daemon starts) wrote in between, which stopped the daemon.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	tx := &immediateTx{ctx: ctx, conn: conn}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS component_schema (
		component TEXT PRIMARY KEY,
		version   INTEGER NOT NULL
	) WITHOUT ROWID`); err != nil {
		return fmt.Errorf("migrate %s: schema table: %w", component, err)
	}
	var v int
	switch err := tx.QueryRowContext(ctx, `SELECT version FROM component_schema WHERE component = ?`, component).Scan(&v); err {
	case nil, sql.ErrNoRows:
	default:
		return fmt.Errorf("migrate %s: read version: %w", component, err)
	}
	if v > len(steps) {
		return fmt.Errorf("migrate %s: the database is at version %d, newer than this build (%d); use the newer pulse or restore a backup", component, v, len(steps))
	}
	if v == len(steps) {
		return nil
	}
	for i := v; i < len(steps); i++ {
		for _, q := range steps[i] {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("migrate %s to version %d: %w", component, i+1, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO component_schema(component, version) VALUES(?, ?)
		ON CONFLICT(component) DO UPDATE SET version = excluded.version`, component, len(steps)); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	return nil
}

// immediateTx is a transaction begun with BEGIN IMMEDIATE on one connection
// (database/sql's Tx only begins deferred ones).
type immediateTx struct {
	ctx  context.Context
	conn *sql.Conn
	done bool
}

func (t *immediateTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.conn.ExecContext(ctx, q, args...)
}

func (t *immediateTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.conn.QueryRowContext(ctx, q, args...)
}

// Commit commits; Rollback after it does nothing.
func (t *immediateTx) Commit() error {
	_, err := t.conn.ExecContext(t.ctx, "COMMIT")
	if err == nil {
		t.done = true
	}
	return err
}

// Rollback rolls back unless committed.
func (t *immediateTx) Rollback() {
	if !t.done {
		t.done = true
		_, _ = t.conn.ExecContext(context.WithoutCancel(t.ctx), "ROLLBACK")
	}
}
