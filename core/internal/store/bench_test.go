package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// BenchmarkApplySnapshot10k measures a snapshot of 10,000 resources (about
// 200 nodes and 9,800 VMs with one link each): the first apply into an empty
// store, and the steady-state re-apply of unchanged content.
func BenchmarkApplySnapshot10k(b *testing.B) {
	snap := genSnapshot(10000, 0)
	b.Run("first", func(b *testing.B) {
		var rows int64
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			s, err := Open(filepath.Join(b.TempDir(), "pulse.db"), hclog.NewNullLogger())
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := s.ApplySnapshot(b.Context(), pveLab, snap, t0.Add(time.Duration(i))); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			rows += s.rowsWritten
			_ = s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	})
	b.Run("steady", func(b *testing.B) {
		s, err := Open(filepath.Join(b.TempDir(), "pulse.db"), hclog.NewNullLogger())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if _, err := s.ApplySnapshot(b.Context(), pveLab, snap, t0); err != nil {
			b.Fatal(err)
		}
		start := s.rowsWritten
		for i := 1; b.Loop(); i++ {
			st, err := s.ApplySnapshot(b.Context(), pveLab, snap, t0.Add(time.Duration(i)*time.Second))
			if err != nil || st.Unchanged != 10000 {
				b.Fatalf("stats %+v err %v", st, err)
			}
		}
		b.ReportMetric(float64(s.rowsWritten-start)/float64(b.N), "rows/op")
	})
}

// BenchmarkResources10k measures a reader listing all 10,000 resources (deep
// copies, sorted) while holding the read lock.
func BenchmarkResources10k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "pulse.db"), hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ApplySnapshot(b.Context(), pveLab, genSnapshot(10000, 0), t0); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if rs := s.Resources(Filter{}); len(rs) != 10000 {
			b.Fatalf("%d resources", len(rs))
		}
	}
}

// BenchmarkCounts10k is what a /metrics scrape costs the store.
func BenchmarkCounts10k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "pulse.db"), hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ApplySnapshot(b.Context(), pveLab, genSnapshot(10000, 0), t0); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if cs := s.Counts(); len(cs) == 0 {
			b.Fatal("no counts")
		}
	}
}
