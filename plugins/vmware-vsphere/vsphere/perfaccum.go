package vsphere

import (
	"sync"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// perfAccum turns vSphere's per-interval average rates (disk and network
// KBps) into the cumulative byte counters of the canonical vocabulary:
// each new realtime sample adds average × 20 s. The counters start at 0
// when the adapter first sees an entity (or after it was not gathered,
// e.g. powered off), which the core treats as a counter reset. Samples
// older than the last one integrated are skipped, so overlapping queries
// never double count; a gap longer than maxRateSamples intervals between
// gathers undercounts.
type perfAccum struct {
	mu      sync.Mutex
	prev    time.Time // start of the previous gather
	series  map[accKey]*accSeries
	touched map[accKey]bool
}

type accKey struct{ entity, metric string }

type accSeries struct {
	total float64
	last  time.Time // timestamp of the last sample integrated
}

// samples is how many realtime samples to ask for an entity: those since
// the previous gather (at least 1, at most maxRateSamples).
func (a *perfAccum) samples(entity string, now time.Time) int32 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.prev.IsZero() {
		return 1
	}
	n := int32(now.Sub(a.prev)/(realtimeInterval*time.Second)) + 1
	return max(1, min(n, maxRateSamples))
}

// begin starts integrating one gather.
func (a *perfAccum) begin(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.prev = now
	if a.series == nil {
		a.series = map[accKey]*accSeries{}
	}
	a.touched = map[accKey]bool{}
}

// add integrates the samples of one series and returns the counter.
func (a *perfAccum) add(entity, metric string, info []types.PerfSampleInfo, values []int64, scale float64) float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := accKey{entity, metric}
	s := a.series[k]
	if s == nil {
		s = &accSeries{}
		a.series[k] = s
	}
	a.touched[k] = true
	for i, v := range values {
		if i >= len(info) || v < 0 || !info[i].Timestamp.After(s.last) {
			continue
		}
		s.total += float64(v) * scale
		s.last = info[i].Timestamp
	}
	return s.total
}

// end forgets the series a gather did not see (entities gone or powered
// off), so the state stays bounded by the inventory.
func (a *perfAccum) end() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k := range a.series {
		if !a.touched[k] {
			delete(a.series, k)
		}
	}
	a.touched = nil
}
