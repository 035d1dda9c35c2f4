package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/pulsehost/pulse/core/internal/store"
)

// maxFeedIDs is how many resource ids one feed event names; past it the
// event only counts them (a page refetches what it shows).
const maxFeedIDs = 100

// Feed fans the store's committed changes out to Server-Sent-Events
// clients. Publishing never blocks: a client whose buffer is full misses
// events and is told so by the next event's gap in seq.
type Feed struct {
	mu     sync.Mutex
	subs   map[chan []byte]struct{}
	seq    uint64
	done   chan struct{}
	closed bool
	// Heartbeat is the interval of keep-alive comments (default 15s).
	Heartbeat time.Duration
}

// NewFeed returns an empty feed; wire it with store.Observe(feed.Publish).
func NewFeed() *Feed {
	return &Feed{subs: map[chan []byte]struct{}{}, done: make(chan struct{}), Heartbeat: 15 * time.Second}
}

// Close ends every stream (register it with http.Server.RegisterOnShutdown,
// so that a shutdown need not wait for clients to leave).
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.done)
	}
}

// feedEvent is the JSON of one change event.
type feedEvent struct {
	Seq            uint64    `json:"seq"`
	Platform       string    `json:"platform"`
	Connection     string    `json:"connection"`
	At             time.Time `json:"at"`
	Resources      []string  `json:"resources,omitempty"`
	ResourceCount  int       `json:"resource_count"`
	Metrics        int       `json:"metrics"`
	Alerts         int       `json:"alerts"`
	RecoveryPoints int       `json:"recovery_points"`
	SourceState    bool      `json:"source_state"`
}

// Publish sends one change to every client without blocking.
func (f *Feed) Publish(c store.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	if len(f.subs) == 0 {
		return
	}
	ev := feedEvent{Seq: f.seq, Platform: c.Source.Platform, Connection: c.Source.Connection, At: c.At,
		ResourceCount: len(c.Resources), Metrics: len(c.Metrics), Alerts: c.Alerts, RecoveryPoints: c.RecoveryPoints, SourceState: c.SourceState}
	if len(c.Resources) <= maxFeedIDs {
		ev.Resources = c.Resources
	}
	b, _ := json.Marshal(ev)
	msg := fmt.Appendf(nil, "id: %d\nevent: change\ndata: %s\n\n", ev.Seq, b)
	for ch := range f.subs {
		select {
		case ch <- msg:
		default:
		}
	}
}

// Clients returns the number of connected clients.
func (f *Feed) Clients() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// ServeHTTP streams events as text/event-stream until the client leaves.
func (f *Feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming is not supported by this connection")
		return
	}
	ch := make(chan []byte, 64)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	seq := f.seq
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 3000\nevent: hello\ndata: {\"seq\":%d}\n\n", seq)
	fl.Flush()
	beat := time.NewTicker(f.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-f.done:
			return
		case msg := <-ch:
			if _, err := w.Write(msg); err != nil {
				return
			}
			fl.Flush()
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
