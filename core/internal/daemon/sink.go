package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// Sink adapts the store to the plugin host and remembers which native ids
// each source has, so Watch deltas can link to resources already stored.
type Sink struct {
	st *store.Store

	mu    sync.Mutex
	known map[resource.SourceRef]map[string]bool
}

// NewSink wraps st.
func NewSink(st *store.Store) *Sink {
	return &Sink{st: st, known: map[resource.SourceRef]map[string]bool{}}
}

// ApplySnapshot stores a complete snapshot.
func (s *Sink) ApplySnapshot(ctx context.Context, src resource.SourceRef, snap resource.Snapshot, at time.Time) error {
	if _, err := s.st.ApplySnapshot(ctx, src, snap, at); err != nil {
		return err
	}
	ids := make(map[string]bool, len(snap.Resources))
	for _, r := range snap.Resources {
		ids[r.NativeID] = true
	}
	s.mu.Lock()
	s.known[src] = ids
	s.mu.Unlock()
	return nil
}

// ApplyDelta stores a delta.
func (s *Sink) ApplyDelta(ctx context.Context, src resource.SourceRef, d resource.Delta, at time.Time) error {
	if _, err := s.st.ApplyDelta(ctx, src, d, at); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.known[src]
	if ids == nil {
		ids = map[string]bool{}
		s.known[src] = ids
	}
	for _, r := range d.Upserts {
		ids[r.NativeID] = true
	}
	for _, id := range d.Removed {
		delete(ids, id)
	}
	return nil
}

// MarkStale marks a source's records stale.
func (s *Sink) MarkStale(ctx context.Context, src resource.SourceRef, reason string, at time.Time) error {
	return s.st.MarkStale(ctx, src, reason, at)
}

// Known reports whether src has delivered nativeID.
func (s *Sink) Known(src resource.SourceRef, nativeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.known[src][nativeID]
}
