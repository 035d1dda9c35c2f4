package auth

import (
	"context"
	"fmt"
)

// Principal kinds.
const (
	KindToken   = "token"   // an API token
	KindSession = "session" // a dashboard session (from a token or a user)
	KindMetrics = "metrics" // the server's metrics_token, /metrics only
	KindNone    = "none"    // auth = "none": everyone is admin
)

// Principal is who made a request.
type Principal struct {
	// Kind is token, session, metrics or none.
	Kind string `json:"kind"`
	// ID is the token id or the session's subject.
	ID string `json:"id"`
	// Name is the token's label or the user's name.
	Name string `json:"name,omitempty"`
	// Scope is what the principal may do.
	Scope Scope `json:"scope"`

	csrfHash string // sessions: the hash of the CSRF token writes must carry
}

// String names the principal for logs (never a secret).
func (p Principal) String() string { return fmt.Sprintf("%s:%s", p.Kind, p.ID) }

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the request's principal, set by the middleware.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Require returns an error unless the request's principal has scope need.
// Handlers whose scope depends on the body use it: the MCP endpoint is
// admitted with read, and its run_action tool must call Require(ctx,
// ScopeControl) before acting.
func Require(ctx context.Context, need Scope) error {
	p, ok := FromContext(ctx)
	if !ok {
		return fmt.Errorf("%w: no credential on this request", ErrUnauthenticated)
	}
	if !p.Scope.Allows(need) {
		return fmt.Errorf("forbidden: this needs scope %s; the credential has scope %s", need, p.Scope)
	}
	return nil
}
