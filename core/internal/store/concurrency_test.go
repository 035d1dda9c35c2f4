package store

import (
	"context"
	"sync"
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

// TestConcurrentReadersAndWriter runs readers against a writer applying
// snapshots, deltas and stale marks; run it with -race. It is bounded by the
// writer's fixed number of applies.
func TestConcurrentReadersAndWriter(t *testing.T) {
	s, _ := openTemp(t)
	snaps := []resource.Snapshot{genSnapshot(200, 0), genSnapshot(200, 50), genSnapshot(150, 10)}
	for i := range snaps {
		snaps[i].Alerts = []resource.Alert{{ID: "a", Resource: "qemu/100", Severity: resource.SeverityWarning, Kind: "k", Message: "m"}}
		snaps[i].Metrics = []resource.Metric{{Resource: "qemu/101", Name: "cpu", Value: float64(i), Time: at(i)}}
	}
	snapshot(t, s, pveLab, at(0), snaps[0])

	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				rs := s.Resources(Filter{})
				if len(rs) < 150 {
					errs <- "reader saw a partial state"
					return
				}
				for _, r := range rs[:10] {
					if got, ok := s.Resource(r.ID); ok && got.ID != r.ID {
						errs <- "resource id mismatch"
						return
					}
				}
				_ = s.Alerts(AlertFilter{IncludeCleared: true})
				_ = s.Metrics("")
				_ = s.RecoveryPoints("")
				_ = s.Sources()
			}
		})
	}
	ctx := context.Background()
	for i := range 30 {
		var err error
		switch i % 3 {
		case 0, 1:
			_, err = s.ApplySnapshot(ctx, pveLab, snaps[i%len(snaps)], at(i+1))
		default:
			if err = s.MarkStale(ctx, pveLab, "timeout", at(i+1)); err == nil {
				_, err = s.ApplyDelta(ctx, pveLab, resource.Delta{Upserts: snaps[1].Resources[:5]}, at(i+1))
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
