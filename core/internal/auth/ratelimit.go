package auth

import (
	"sync"
	"time"
)

// Login rate limit: MaxLoginFailures failed sign-ins from one client within
// LockoutPeriod lock that client out for LockoutPeriod.
const (
	MaxLoginFailures = 5
	LockoutPeriod    = 15 * time.Minute
	maxTracked       = 10000 // clients tracked at once (bounded memory)
)

// limiter counts failed sign-ins per client.
type limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	clients map[string]*failures
}

type failures struct {
	times       []time.Time // within the window
	lockedUntil time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, clients: map[string]*failures{}}
}

// locked reports whether client is locked out and until when.
func (l *limiter) locked(client string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.clients[client]
	if f == nil {
		return time.Time{}, false
	}
	if l.now().Before(f.lockedUntil) {
		return f.lockedUntil, true
	}
	return time.Time{}, false
}

// fail records a failure and reports whether the client is now locked.
func (l *limiter) fail(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.clients[client]
	if f == nil {
		if len(l.clients) >= maxTracked {
			l.prune(now)
		}
		f = &failures{}
		l.clients[client] = f
	}
	kept := f.times[:0]
	for _, t := range f.times {
		if now.Sub(t) < LockoutPeriod {
			kept = append(kept, t)
		}
	}
	f.times = append(kept, now)
	if len(f.times) >= MaxLoginFailures {
		f.lockedUntil = now.Add(LockoutPeriod)
		f.times = nil
		return true
	}
	return false
}

// succeed forgets a client's failures.
func (l *limiter) succeed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, client)
}

// prune drops clients with nothing recent (called with mu held).
func (l *limiter) prune(now time.Time) {
	for k, f := range l.clients {
		if now.After(f.lockedUntil) && (len(f.times) == 0 || now.Sub(f.times[len(f.times)-1]) > LockoutPeriod) {
			delete(l.clients, k)
		}
	}
}
