package mcp_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

// TestRunActionOffersAgentDeclaredActions: with no docker plugin, a
// container reported by a pulse-agent offers the actions that agent
// declared (its "actions" attribute, set while commands are enabled), and a
// container whose agent declares none offers none.
func TestRunActionOffersAgentDeclaredActions(t *testing.T) {
	c := newTestCore(t)
	report(t, c.store, "docker", "SHA256:agentfp",
		resource.Observation{Type: resource.TypeAppContainer, NativeID: "container:abc", Name: "shop-web-1", Status: resource.StatusRunning,
			Attributes: json.RawMessage(`{"actions":["restart","start","stop"]}`)},
		resource.Observation{Type: resource.TypeAppContainer, NativeID: "container:def", Name: "shop-db-1", Status: resource.StatusRunning,
			Attributes: json.RawMessage(`{"actions":[]}`)})
	cs := httpSession(t, c.srv.URL)
	web := c.resourceNamed(t, "docker", "shop-web-1")
	// A declared action passes the tool's own checks and reaches the core's
	// control path for its dry run (this test core has none wired: 503).
	r := call(t, cs, "run_action", map[string]any{"resource": web.ID, "action": "restart"})
	if !r.IsError || !strings.Contains(r.Text, "control is not available in this core") {
		t.Fatalf("declared action's plan: %s", r.Text)
	}
	r = call(t, cs, "run_action", map[string]any{"resource": web.ID, "action": "remove"})
	if !r.IsError || !strings.Contains(r.Text, "valid actions are restart, start, stop") {
		t.Errorf("undeclared: %s", r.Text)
	}
	db := c.resourceNamed(t, "docker", "shop-db-1")
	r = call(t, cs, "run_action", map[string]any{"resource": db.ID, "action": "restart"})
	if !r.IsError || !strings.Contains(r.Text, "declares no control actions") {
		t.Errorf("commands off: %s", r.Text)
	}
}
