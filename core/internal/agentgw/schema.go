package agentgw

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	"github.com/pulsehost/pulse/core/internal/database"
)

// Component is the database component name of the gateway's tables.
const Component = "agents"

// DatabaseFile is the core's database file inside data_dir.
const DatabaseFile = "pulse.db"

// migrations are the gateway's schema steps; append only. Times are Unix
// milliseconds.
var migrations = [][]string{
	{
		`CREATE TABLE agent_tokens (
			id         TEXT PRIMARY KEY,
			hash       BLOB NOT NULL,
			labels     TEXT NOT NULL DEFAULT '{}',
			created_at INTEGER NOT NULL,
			expires_at INTEGER NOT NULL,
			max_uses   INTEGER NOT NULL,
			uses       INTEGER NOT NULL DEFAULT 0,
			revoked_at INTEGER
		)`,
		`CREATE TABLE agents (
			fingerprint  TEXT PRIMARY KEY,
			public_key   TEXT NOT NULL,
			hostname     TEXT NOT NULL DEFAULT '',
			hw_uuid      TEXT NOT NULL DEFAULT '',
			enrolled_via TEXT NOT NULL,
			token_id     TEXT NOT NULL DEFAULT '',
			labels       TEXT NOT NULL DEFAULT '{}',
			enrolled_at  INTEGER NOT NULL,
			last_report  INTEGER,
			last_seq     INTEGER NOT NULL DEFAULT 0,
			interval_ms  INTEGER NOT NULL DEFAULT 0,
			revoked_at   INTEGER,
			last_full    BLOB
		)`,
	},
}

// OpenDB opens data_dir/pulse.db and migrates the gateway's tables. The
// handle allows a few connections: reads proceed in parallel under WAL and
// writers wait on the busy timeout (a CLI command beside `pulse serve`).
func OpenDB(ctx context.Context, dataDir string) (*sql.DB, error) {
	db, err := database.Open(filepath.Join(dataDir, DatabaseFile), 4)
	if err != nil {
		return nil, err
	}
	if err := database.Migrate(ctx, db, Component, migrations); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("agents database: %w", err)
	}
	return db, nil
}
