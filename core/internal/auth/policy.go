package auth

import (
	"slices"
	"strings"
)

// Access is what a route needs.
type Access int

// Access kinds.
const (
	// NeedScope: a credential with the rule's scope.
	NeedScope Access = iota
	// OpenAccess: no credential (/healthz, the dashboard's static files, login).
	OpenAccess
	// Metrics: the server's metrics_token or an API credential with read.
	Metrics
)

// Rule maps requests to what they need. The first matching rule decides.
type Rule struct {
	// Methods the rule covers; empty is every method. GET covers HEAD.
	Methods []string
	// Pattern is a path: literal segments, {name} for one segment, and a
	// trailing * for any rest (including none).
	Pattern string
	// Access and, for NeedScope, Scope.
	Access Access
	Scope  Scope
}

var (
	safe   = []string{"GET", "HEAD", "OPTIONS"}
	writes = []string{"POST", "PUT", "PATCH", "DELETE"}
)

// DefaultPolicy is the operator listener's route table. Routes not named
// here fall to the last rules, which are safe: any other /api/ or /mcp
// read needs read, any other write needs admin, and outside /api/ only
// reads of the dashboard's static files are open.
//
// The MCP endpoint admits read; its run_action tool acts, and must itself
// call Require(ctx, ScopeControl), so acting over MCP needs control.
var DefaultPolicy = []Rule{
	{Methods: safe, Pattern: "/healthz", Access: OpenAccess},
	{Methods: safe, Pattern: "/metrics", Access: Metrics},
	// Signing in is open (and rate limited); the session itself is
	// handled by this package.
	{Methods: []string{"POST"}, Pattern: "/api/v1/session", Access: OpenAccess},
	{Methods: []string{"GET", "DELETE"}, Pattern: "/api/v1/session", Scope: ScopeRead},
	// Operations.
	{Methods: []string{"POST"}, Pattern: "/api/v1/reload", Scope: ScopeAdmin},
	{Methods: []string{"POST"}, Pattern: "/api/v1/plugins/{platform}/reload", Scope: ScopeAdmin},
	// Control actions (core/internal/control).
	{Methods: []string{"POST"}, Pattern: "/api/v1/resources/{id}/actions", Scope: ScopeControl},
	{Methods: []string{"POST"}, Pattern: "/api/v1/resources/{id}/actions/*", Scope: ScopeControl},
	// Alerts: acknowledging, silencing, unacknowledging are operator
	// actions (control); alert rules and notification channels change
	// configuration (admin, by the default below).
	{Methods: writes, Pattern: "/api/v1/alerts/rules/*", Scope: ScopeAdmin},
	{Methods: writes, Pattern: "/api/v1/alerts/{id}/*", Scope: ScopeControl},
	{Methods: []string{"POST"}, Pattern: "/api/v1/alerts/ack", Scope: ScopeControl},
	{Methods: []string{"POST"}, Pattern: "/api/v1/alerts/unack", Scope: ScopeControl},
	{Methods: writes, Pattern: "/api/v1/silences", Scope: ScopeControl},
	{Methods: writes, Pattern: "/api/v1/silences/*", Scope: ScopeControl},
	// MCP: read to talk to it; run_action checks control itself.
	{Pattern: "/mcp", Scope: ScopeRead},
	{Pattern: "/mcp/*", Scope: ScopeRead},
	// Safe defaults.
	{Methods: safe, Pattern: "/api/*", Scope: ScopeRead},
	{Pattern: "/api/*", Scope: ScopeAdmin},
	{Methods: safe, Pattern: "/*", Access: OpenAccess},
	{Pattern: "/*", Scope: ScopeAdmin},
}

// Decide returns the first rule of policy matching the request.
func Decide(policy []Rule, method, path string) Rule {
	for _, r := range policy {
		if r.matches(method, path) {
			return r
		}
	}
	return Rule{Scope: ScopeAdmin} // nothing matched: the strictest
}

func (r Rule) matches(method, path string) bool {
	if len(r.Methods) > 0 && !slices.Contains(r.Methods, method) && (method != "HEAD" || !slices.Contains(r.Methods, "GET")) {
		return false
	}
	return matchPath(r.Pattern, path)
}

// matchPath matches a cleaned path against a pattern.
func matchPath(pattern, path string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(xs) == 1 && xs[0] == "" {
		xs = nil
	}
	if len(ps) == 1 && ps[0] == "" {
		ps = nil
	}
	for i, p := range ps {
		if p == "*" && i == len(ps)-1 {
			return true
		}
		if i >= len(xs) {
			return false
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return len(xs) == len(ps)
}
