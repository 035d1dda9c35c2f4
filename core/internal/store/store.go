package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	_ "modernc.org/sqlite"

	"github.com/pulsehost/pulse/core/resource" // the pure-Go SQLite driver, "sqlite"
)

// Store is the unified resource store. It is safe for concurrent use: many
// readers, applies serialized.
type Store struct {
	log hclog.Logger

	// wmu serializes writers (applies, Close). The writer holding it may read
	// st without mu: only writers mutate st, under mu.
	wmu sync.Mutex
	db  *sql.DB
	// warned holds the source keys already warned about ambiguous identity.
	warned map[string]struct{}
	// rowsWritten counts rows written to SQLite (for tests and benchmarks).
	rowsWritten int64
	// beforeCommit, when set (tests), runs before each commit; an error
	// aborts the apply.
	beforeCommit func() error
	// observers are told of every committed apply (see Observe).
	observers []func(Change)
	// persisted is each source's row as last written to SQLite (its
	// last-snapshot time may lag memory; see SnapshotTimePersistEvery).
	persisted map[resource.SourceRef]sourceState

	mu sync.RWMutex // guards the published state for readers
	st *state
}

// Open opens (creating or migrating) the store database at path and loads
// the whole state into memory.
func Open(path string, log hclog.Logger) (*Store, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open store: path %q may not contain '?' or '#'", path)
	}
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// All reads are served from memory; one connection serializes SQLite
	// access and keeps the per-connection pragmas.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	ctx := context.Background()
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{log: log.Named("store"), db: db, warned: map[string]struct{}{}}
	st, err := load(ctx, db, newEncoder())
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.st = st
	s.persisted = make(map[resource.SourceRef]sourceState, len(st.sources))
	for src, ss := range st.sources {
		s.persisted[src] = *ss
	}
	s.log.Debug("store opened", "path", path, "resources", len(st.canons), "records", len(st.recs))
	return s, nil
}

// Close closes the database. Reads keep answering from memory; applies fail
// with ErrClosed.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.db == nil {
		return nil
	}
	ferr := s.flushSnapshotTimes(context.Background())
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	if ferr != nil {
		return fmt.Errorf("close store: %w", ferr)
	}
	return nil
}
