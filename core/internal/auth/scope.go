// Package auth authenticates and authorizes the operator API: API tokens
// with scopes (read, control, admin), local users with argon2id password
// hashes, dashboard sessions with CSRF protection, a login rate limit, and
// the HTTP middleware that wraps the whole operator handler and decides each
// request by a route-to-scope policy with a safe default.
//
// Only hashes of tokens, passwords and session ids are stored (in
// data_dir/pulse.db, component "auth"); a secret is shown once, when it is
// made, and never logged or served.
package auth

import (
	"fmt"
	"strings"
)

// Scope is what a credential may do. Scopes are ordered: admin includes
// control, and control includes read.
type Scope string

// The scopes.
const (
	// ScopeRead reads everything the API serves.
	ScopeRead Scope = "read"
	// ScopeControl also runs control actions and acknowledges alerts.
	ScopeControl Scope = "control"
	// ScopeAdmin also reloads configuration and plugins and manages the core.
	ScopeAdmin Scope = "admin"
)

// Scopes lists every scope, weakest first.
var Scopes = []Scope{ScopeRead, ScopeControl, ScopeAdmin}

func (s Scope) rank() int {
	switch s {
	case ScopeRead:
		return 1
	case ScopeControl:
		return 2
	case ScopeAdmin:
		return 3
	}
	return 0
}

// Allows reports whether a credential with scope s may do what needs scope need.
func (s Scope) Allows(need Scope) bool { return s.rank() > 0 && s.rank() >= need.rank() }

// ParseScope checks a scope name.
func ParseScope(s string) (Scope, error) {
	sc := Scope(strings.ToLower(strings.TrimSpace(s)))
	if sc.rank() == 0 {
		return "", fmt.Errorf("scope %q is not one of read, control, admin", s)
	}
	return sc, nil
}
