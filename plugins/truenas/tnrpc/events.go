package tnrpc

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// Event is one collection_update notification.
type Event struct {
	// Msg is added, changed or removed.
	Msg string `json:"msg"`
	// Collection is the subscribed name, e.g. "app.query".
	Collection string `json:"collection"`
	// ID is the object's id (a string or a number).
	ID json.RawMessage `json:"id"`
	// Fields is the object's new state (added, changed), when sent.
	Fields json.RawMessage `json:"fields"`
}

// IDString returns the event's id as text (a JSON string unquoted).
func (e Event) IDString() string {
	var s string
	if json.Unmarshal(e.ID, &s) == nil {
		return s
	}
	return string(e.ID)
}

// eventBuffer bounds the events queued for one subscriber. A subscriber
// that falls this far behind is ended with an error (its caller polls
// instead), rather than letting memory grow or events silently drop.
const eventBuffer = 1024

// Subscription receives one collection's events until it ends.
type Subscription struct {
	// C delivers events; it is closed when the subscription ends.
	C <-chan Event

	c          chan Event
	s          *session
	collection string
	id         string

	once sync.Once
	mu   sync.Mutex
	err  error
}

// Err says why the subscription ended (nil while it runs).
func (sub *Subscription) Err() error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.err
}

func (sub *Subscription) end(err error) {
	sub.once.Do(func() {
		sub.mu.Lock()
		sub.err = err
		sub.mu.Unlock()
		close(sub.c)
	})
}

// Subscribe asks the server for collection_update events of collection
// (e.g. "app.query", "pool.query", "alert.list").
func (c *Client) Subscribe(ctx context.Context, collection string) (*Subscription, error) {
	s, err := c.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", collection, err)
	}
	ch := make(chan Event, eventBuffer)
	sub := &Subscription{C: ch, c: ch, s: s, collection: collection}
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return nil, fmt.Errorf("subscribe %s: %w", collection, err)
	}
	s.subs[sub] = true
	s.mu.Unlock()
	if err := s.call(ctx, "core.subscribe", []any{collection}, &sub.id); err != nil {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
		return nil, fmt.Errorf("subscribe %s: %w", collection, err)
	}
	return sub, nil
}

// Close unsubscribes (best effort) and ends the subscription.
func (sub *Subscription) Close(ctx context.Context) {
	sub.s.mu.Lock()
	_, live := sub.s.subs[sub]
	delete(sub.s.subs, sub)
	sub.s.mu.Unlock()
	if live && sub.id != "" && sub.s.alive() {
		_ = sub.s.call(ctx, "core.unsubscribe", []any{sub.id}, nil)
	}
	sub.end(fmt.Errorf("subscription %s closed", sub.collection))
}

// notify routes a notification to the subscribers of its collection.
func (s *session) notify(method string, params json.RawMessage) {
	if method != "collection_update" {
		return
	}
	var ev Event
	if err := json.Unmarshal(params, &ev); err != nil {
		return
	}
	s.mu.Lock()
	var full []*Subscription
	for sub := range s.subs {
		if sub.collection != ev.Collection {
			continue
		}
		select {
		case sub.c <- ev:
		default:
			full = append(full, sub)
			delete(s.subs, sub)
		}
	}
	s.mu.Unlock()
	for _, sub := range full {
		sub.end(fmt.Errorf("subscription %s fell %d events behind", sub.collection, eventBuffer))
	}
}
