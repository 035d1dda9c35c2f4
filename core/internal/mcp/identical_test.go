package mcp_test

import (
	"encoding/json"
	"testing"
)

// TestStdioAndHTTPGiveIdenticalAnswers: the same calls over a real `pulse
// mcp` process and over /mcp return byte-identical results, errors included,
// and the same tool list.
func TestStdioAndHTTPGiveIdenticalAnswers(t *testing.T) {
	c := newTestCore(t)
	ts := transports(t, c)
	httpCS, stdioCS := ts["http"], ts["stdio"]
	node := c.resourceNamed(t, "proxmox-pve", "pve01")
	vm := c.resourceNamed(t, "vmware-vsphere", "web-vs01")
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"list_platforms", nil},
		{"list_connections", nil},
		{"list_resources", nil},
		{"list_resources", map[string]any{"type": "vm", "limit": 5}},
		{"list_resources", map[string]any{"platform": "vmware-vsphere"}},
		{"list_resources", map[string]any{"query": "pve"}},
		{"get_resource", map[string]any{"id": node.ID}},
		{"get_resource", map[string]any{"id": vm.ID}},
		{"list_alerts", nil},
		{"list_alerts", map[string]any{"severity": "critical"}},
		{"list_recovery_points", nil},
		{"run_action", map[string]any{"resource": vm.ID, "action": "power-off"}},
		{"run_action", map[string]any{"resource": node.ID, "action": "reboot", "confirm": true}},
		{"list_resources", map[string]any{"limit": 0}},
		{"get_resource", map[string]any{"id": "nope"}},
		{"no_such_tool", nil},
	}
	for _, cl := range calls {
		h := call(t, httpCS, cl.tool, cl.args)
		s := call(t, stdioCS, cl.tool, cl.args)
		if h != s {
			t.Errorf("%s(%v) differs:\nhttp:  %+v\nstdio: %+v", cl.tool, cl.args, h, s)
		}
	}
	ht, _ := json.Marshal(listTools(t, httpCS))
	st, _ := json.Marshal(listTools(t, stdioCS))
	if string(ht) != string(st) {
		t.Errorf("tool lists differ:\nhttp:  %s\nstdio: %s", ht, st)
	}
}
