package store

import (
	"sort"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// Change is what one committed apply changed, as observers see it (metric
// history, the API's live feed).
type Change struct {
	// Source is the source the apply came from; At its time.
	Source resource.SourceRef `json:"source"`
	At     time.Time          `json:"at"`
	// Resources are the canonical ids created, changed or removed, sorted.
	Resources []string `json:"resources,omitempty"`
	// Metrics are the samples stored, with canonical resource ids. They are
	// shared by every observer: read them, never modify them.
	Metrics []resource.Metric `json:"-"`
	// Alerts counts alerts raised, changed or cleared.
	Alerts int `json:"alerts,omitempty"`
	// RecoveryPoints counts recovery points added or removed.
	RecoveryPoints int `json:"recovery_points,omitempty"`
	// SourceState is set when the source's staleness or last snapshot changed.
	SourceState bool `json:"source_state,omitempty"`
}

// Observe registers fn to be called after every committed apply, in commit
// order, on the applying goroutine with the writer lock held: fn must be
// quick (hand off, don't do I/O) and must not apply to the store.
func (s *Store) Observe(fn func(Change)) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.observers = append(s.observers, fn)
}

// notify tells the observers what t changed. Caller holds wmu.
func (s *Store) notify(t *txn) {
	if len(s.observers) == 0 {
		return
	}
	// The txn is finished: its samples are handed over, not copied (tens
	// of thousands per cycle at scale); observers only read them.
	c := Change{Source: t.src, At: t.at, Metrics: t.metrics, Alerts: len(t.alerts), RecoveryPoints: len(t.rps), SourceState: t.source != nil}
	for id := range t.canons {
		c.Resources = append(c.Resources, id)
	}
	sort.Strings(c.Resources)
	for _, fn := range s.observers {
		fn(c)
	}
}
