package auth

import "testing"

// TestDefaultPolicy pins what every known and unknown route needs.
func TestDefaultPolicy(t *testing.T) {
	open := Rule{Access: OpenAccess}
	scope := func(s Scope) Rule { return Rule{Access: NeedScope, Scope: s} }
	for _, tc := range []struct {
		method, path string
		want         Rule
	}{
		{"GET", "/healthz", open},
		{"HEAD", "/healthz", open},
		{"POST", "/healthz", scope(ScopeAdmin)},
		{"GET", "/metrics", Rule{Access: Metrics}},
		{"POST", "/api/v1/session", open},
		{"GET", "/api/v1/session", scope(ScopeRead)},
		{"DELETE", "/api/v1/session", scope(ScopeRead)},
		{"GET", "/api/v1/platforms", scope(ScopeRead)},
		{"GET", "/api/v1/connections", scope(ScopeRead)},
		{"GET", "/api/v1/plugins", scope(ScopeRead)},
		{"GET", "/api/v1/resources", scope(ScopeRead)},
		{"GET", "/api/v1/resources/abc", scope(ScopeRead)},
		{"GET", "/api/v1/alerts", scope(ScopeRead)},
		{"GET", "/api/v1/recovery-points", scope(ScopeRead)},
		{"GET", "/api/v1/events", scope(ScopeRead)},
		{"GET", "/api/v1/history/abc", scope(ScopeRead)},
		{"POST", "/api/v1/reload", scope(ScopeAdmin)},
		{"GET", "/api/v1/reload", scope(ScopeRead)},
		{"POST", "/api/v1/plugins/proxmox-pve/reload", scope(ScopeAdmin)},
		{"POST", "/api/v1/resources/abc/actions", scope(ScopeControl)},
		{"POST", "/api/v1/resources/abc/actions/reboot", scope(ScopeControl)},
		{"DELETE", "/api/v1/resources/abc", scope(ScopeAdmin)},
		{"POST", "/api/v1/alerts/a1/ack", scope(ScopeControl)},
		{"DELETE", "/api/v1/alerts/a1/ack", scope(ScopeControl)},
		{"POST", "/api/v1/alerts/rules/r1", scope(ScopeAdmin)},
		{"POST", "/api/v1/alerts", scope(ScopeAdmin)},
		{"POST", "/api/v1/notifications/channels", scope(ScopeAdmin)},
		{"POST", "/api/v1/agents/provisioning-tokens", scope(ScopeAdmin)},
		{"PUT", "/api/v1/anything-new", scope(ScopeAdmin)},
		{"PATCH", "/api/v2/whatever", scope(ScopeAdmin)},
		{"GET", "/api/v2/whatever", scope(ScopeRead)},
		{"GET", "/mcp", scope(ScopeRead)},
		{"POST", "/mcp", scope(ScopeRead)},
		{"DELETE", "/mcp", scope(ScopeRead)},
		{"GET", "/", open},
		{"GET", "/assets/app.js", open},
		{"POST", "/", scope(ScopeAdmin)},
		{"POST", "/assets/x", scope(ScopeAdmin)},
	} {
		got := Decide(DefaultPolicy, tc.method, tc.path)
		if got.Access != tc.want.Access || (got.Access == NeedScope && got.Scope != tc.want.Scope) {
			t.Errorf("%s %s: access %d scope %q, want access %d scope %q", tc.method, tc.path, got.Access, got.Scope, tc.want.Access, tc.want.Scope)
		}
	}
}

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		ok            bool
	}{
		{"/healthz", "/healthz", true},
		{"/healthz", "/healthz/x", false},
		{"/api/*", "/api", true},
		{"/api/*", "/api/v1/x", true},
		{"/api/*", "/apix", false},
		{"/a/{id}/b", "/a/1/b", true},
		{"/a/{id}/b", "/a//b", false},
		{"/a/{id}/b", "/a/1/c", false},
		{"/*", "/", true},
	} {
		if got := matchPath(tc.pattern, tc.path); got != tc.ok {
			t.Errorf("match(%q, %q) = %v", tc.pattern, tc.path, got)
		}
	}
}
