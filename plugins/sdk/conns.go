package sdk

import (
	"fmt"
	"sync"
)

// Conns holds a plugin's live connections by name: one plugin process
// serves every connection of its platform, and each call names the one it
// is for. It is safe for concurrent use; the zero value is ready.
type Conns[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

// Put stores c under name and returns the connection it replaces, if any,
// for the caller to close (a Configure of a changed connection).
func (s *Conns[T]) Put(name string, c T) (old T, replaced bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]T{}
	}
	old, replaced = s.m[name]
	s.m[name] = c
	return old, replaced
}

// Get returns the connection called name, or an error wrapping
// ErrUnknownConnection that names it.
func (s *Conns[T]) Get(name string) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[name]
	if !ok {
		var zero T
		return zero, fmt.Errorf("%w: %q", ErrUnknownConnection, name)
	}
	return c, nil
}

// Remove forgets the connection called name and returns it, if it was
// there, for the caller to close.
func (s *Conns[T]) Remove(name string) (c T, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok = s.m[name]
	delete(s.m, name)
	return c, ok
}
