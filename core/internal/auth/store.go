package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pulsehost/pulse/core/internal/database"
)

// Component is the auth tables' component name in component_schema.
const Component = "auth"

// migrations are the auth component's schema steps (append only).
var migrations = [][]string{{
	`CREATE TABLE auth_tokens (
		id           TEXT PRIMARY KEY,
		hash         TEXT NOT NULL,
		scope        TEXT NOT NULL,
		label        TEXT NOT NULL DEFAULT '',
		created_at   INTEGER NOT NULL,
		expires_at   INTEGER,
		revoked_at   INTEGER,
		last_used_at INTEGER
	) WITHOUT ROWID`,
	`CREATE TABLE auth_users (
		name       TEXT PRIMARY KEY,
		password   TEXT NOT NULL,
		scope      TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	) WITHOUT ROWID`,
	`CREATE TABLE auth_sessions (
		hash       TEXT PRIMARY KEY,
		subject    TEXT NOT NULL,
		scope      TEXT NOT NULL,
		csrf_hash  TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	) WITHOUT ROWID`,
}}

// Errors callers recognise.
var (
	// ErrUnauthenticated: no credential, or one that is unknown, expired
	// or revoked. Its text never includes the credential.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrNotFound: no token or user by that id or name.
	ErrNotFound = errors.New("not found")
	// ErrExists: a user by that name exists already.
	ErrExists = errors.New("already exists")
)

// Store keeps tokens, users and sessions in the core's database.
type Store struct {
	db  *sql.DB
	kdf KDFParams
	// Now is the clock (tests move it).
	Now func() time.Time

	mu       sync.Mutex
	lastUsed map[string]time.Time // token id -> last recorded use
}

// Open migrates the auth tables in db (data_dir/pulse.db, opened with
// database.Open) and returns the store.
func Open(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := database.Migrate(ctx, db, Component, migrations); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return &Store{db: db, kdf: DefaultKDF, Now: time.Now, lastUsed: map[string]time.Time{}}, nil
}

// SetKDF changes the password hashing cost for new hashes (tests lower it).
func (s *Store) SetKDF(p KDFParams) { s.kdf = p }

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}
