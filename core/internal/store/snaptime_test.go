package store

import (
	"os"
	"testing"
	"time"
)

func walSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func lastSeenOf(t *testing.T, s *Store) time.Time {
	t.Helper()
	rs := s.Resources(Filter{})
	if len(rs) == 0 {
		t.Fatal("no resources")
	}
	return rs[0].LastSeen
}

// TestUnchangedCycleWritesNothing: a snapshot identical to the last one
// writes nothing to SQLite (no row, not even a transaction: the WAL does not
// grow), while memory serves the new last-seen time; Close stores that
// time, and a source whose stored time is SnapshotTimePersistEvery old gets
// it written.
func TestUnchangedCycleWritesNothing(t *testing.T) {
	s, path := openTemp(t)
	snap := genSnapshot(200, 0)
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * 10 * time.Second) }
	snapshot(t, s, pveLab, sec(0), snap)
	rows, wal := s.rowsWritten, walSize(t, path)
	for i := 1; i <= 5; i++ {
		if st := snapshot(t, s, pveLab, sec(i), genSnapshot(200, 0)); st.Unchanged != 200 {
			t.Fatalf("cycle %d: %+v", i, st)
		}
	}
	if n := s.rowsWritten - rows; n != 0 {
		t.Fatalf("5 unchanged cycles wrote %d rows", n)
	}
	if w := walSize(t, path); w != wal {
		t.Fatalf("5 unchanged cycles grew the WAL from %d to %d bytes", wal, w)
	}
	if got := lastSeenOf(t, s); !got.Equal(sec(5)) {
		t.Fatalf("last seen %v, want %v", got, sec(5))
	}

	// The stored time catches up once it is SnapshotTimePersistEvery old.
	late := sec(0).Add(SnapshotTimePersistEvery)
	snapshot(t, s, pveLab, late, genSnapshot(200, 0))
	if n := s.rowsWritten - rows; n != 1 {
		t.Fatalf("an unchanged cycle %s after the stored time wrote %d rows, want 1 (the source)", SnapshotTimePersistEvery, n)
	}
	snapshot(t, s, pveLab, late.Add(10*time.Second), genSnapshot(200, 0))
	if n := s.rowsWritten - rows; n != 1 {
		t.Fatalf("the next unchanged cycle wrote %d rows", n-1)
	}

	// Close keeps the newest time.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openAt(t, path)
	defer s2.Close()
	if got, want := lastSeenOf(t, s2), late.Add(10*time.Second); !got.Equal(want) {
		t.Fatalf("after restart last seen %v, want %v", got, want)
	}
}
