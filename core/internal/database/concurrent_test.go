package database

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestMigrateBesideAnotherWriter: a migration while another connection (in
// production another process: the CLI creating its session token as the
// daemon starts) keeps writing waits for the write lock instead of failing
// with SQLITE_BUSY, which stopped the daemon.
func TestMigrateBesideAnotherWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pulse.db")
	ctx := context.Background()
	a, err := Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := Migrate(ctx, b, "writer", [][]string{{"CREATE TABLE w (n INTEGER)"}}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the other process: short write transactions back to back
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := b.ExecContext(ctx, "INSERT INTO w VALUES (?)", i); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; i < 200 && time.Now().Before(deadline); i++ {
		steps := [][]string{{fmt.Sprintf("CREATE TABLE c%d (x INTEGER)", i)}, {fmt.Sprintf("CREATE INDEX c%d_x ON c%d (x)", i, i)}}
		if err := Migrate(ctx, a, fmt.Sprintf("c%d", i), steps); err != nil {
			t.Errorf("migration %d beside a writer: %v", i, err)
			break
		}
	}
	close(stop)
	wg.Wait()
}
