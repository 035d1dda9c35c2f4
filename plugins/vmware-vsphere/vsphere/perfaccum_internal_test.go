package vsphere

import (
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

func TestPerfAccumIntegratesEachSampleOnce(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	at := func(i int) types.PerfSampleInfo {
		return types.PerfSampleInfo{Timestamp: t0.Add(time.Duration(i) * realtimeInterval * time.Second), Interval: realtimeInterval}
	}
	scale := 1024.0 * realtimeInterval
	var a perfAccum
	if n := a.samples("vm-1", t0); n != 1 {
		t.Fatalf("first gather asks %d samples, want 1", n)
	}
	a.begin(t0)
	if got := a.add("vm-1", "disk_read_bytes_total", []types.PerfSampleInfo{at(0)}, []int64{10}, scale); got != 10*scale {
		t.Fatalf("first = %v", got)
	}
	a.end()
	// 60 s later: 4 samples asked; the overlap (sample 0) is not counted twice,
	// a -1 (no data) is skipped.
	if n := a.samples("vm-1", t0.Add(60*time.Second)); n != 4 {
		t.Fatalf("samples after 60s = %d, want 4", n)
	}
	a.begin(t0.Add(60 * time.Second))
	got := a.add("vm-1", "disk_read_bytes_total", []types.PerfSampleInfo{at(0), at(1), at(2), at(3)}, []int64{10, 5, -1, 1}, scale)
	if want := 16 * scale; got != want {
		t.Fatalf("counter = %v, want %v", got, want)
	}
	a.end()
	// A gather that does not see vm-1 forgets it; it restarts at 0 (a reset).
	a.begin(t0.Add(80 * time.Second))
	a.end()
	a.begin(t0.Add(100 * time.Second))
	if got := a.add("vm-1", "disk_read_bytes_total", []types.PerfSampleInfo{at(5)}, []int64{2}, scale); got != 2*scale {
		t.Fatalf("after a gap = %v, want a fresh counter", got)
	}
	a.end()
	if n := a.samples("vm-1", t0.Add(time.Hour)); n != maxRateSamples {
		t.Fatalf("samples after an hour = %d, want the cap %d", n, maxRateSamples)
	}
}
