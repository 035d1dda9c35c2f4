package mcp_test

import (
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// TestRefusals: bad input and governed refusals are isError tool results
// whose text says what was wrong and names what is valid.
func TestRefusals(t *testing.T) {
	c := newTestCore(t)
	// The docker platform (control supported) declares a restart action, as
	// a running source would, so the supported path reaches the core.
	c.host.addPlugin(pluginhost.PluginStatus{Platform: "docker", State: pluginhost.PluginRunning, Actions: []string{"restart"}})
	cs := httpSession(t, c.srv.URL)
	pveVM := c.store.Resources(store.Filter{Platform: "proxmox-pve", Type: resource.TypeVM})[0]
	pveNode := c.resourceNamed(t, "proxmox-pve", "pve01") // augmented by an agent
	pveNode2 := c.resourceNamed(t, "proxmox-pve", "pve02")
	vsVM := c.resourceNamed(t, "vmware-vsphere", "web-vs01")
	pbs := c.resourceNamed(t, "proxmox-pbs", "pbs-main")
	app := c.resourceNamed(t, "docker", "grafana")

	cases := []struct {
		name string
		tool string
		args map[string]any
		want []string
	}{
		{"unknown tool", "restart_everything", nil, []string{`unknown tool "restart_everything"`, "list_platforms, list_connections, list_resources, get_resource, list_alerts, list_recovery_points, run_action"}},
		{"unknown argument", "list_resources", map[string]any{"kind": "vm"}, []string{`unknown argument "kind"`, "type, platform, connection, stale, query, limit"}},
		{"argument to a tool that takes none", "list_platforms", map[string]any{"x": 1}, []string{"takes no arguments"}},
		{"unknown type", "list_resources", map[string]any{"type": "vcenter"}, []string{`type="vcenter"`, "agent, vm, system-container"}},
		{"unknown platform", "list_resources", map[string]any{"platform": "esxi"}, []string{`platform="esxi" is not a governed platform id`, "proxmox-pve", "vmware-vsphere"}},
		{"alias platform", "list_alerts", map[string]any{"platform": "vsphere"}, []string{`did you mean "vmware-vsphere"`}},
		{"presentation-only platform", "list_resources", map[string]any{"platform": "aws"}, []string{"presentation-only", "valid platforms are agent"}},
		{"unknown connection", "list_resources", map[string]any{"connection": "nope"}, []string{`connection="nope"`, "backup, cluster, vcenter"}},
		{"limit zero", "list_resources", map[string]any{"limit": 0}, []string{"limit=0 is out of range", "1 to 1000"}},
		{"limit too big", "list_resources", map[string]any{"limit": 1001}, []string{"limit=1001 is out of range", "1 to 1000"}},
		{"limit not an integer", "list_resources", map[string]any{"limit": "ten"}, []string{"limit must be an integer from 1 to 1000"}},
		{"limit fractional", "list_resources", map[string]any{"limit": 2.5}, []string{"limit must be an integer"}},
		{"stale not a boolean", "list_resources", map[string]any{"stale": "yes"}, []string{"stale must be true or false"}},
		{"unknown severity", "list_alerts", map[string]any{"severity": "fatal"}, []string{`severity="fatal"`, "info, warning, critical"}},
		{"missing id", "get_resource", nil, []string{"id is required"}},
		{"unknown id", "get_resource", map[string]any{"id": "no-such-id"}, []string{`no resource with id "no-such-id"`, "list_resources"}},
		{"name instead of id", "get_resource", map[string]any{"id": "web-vs01"}, []string{`resources named "web-vs01" have ids ` + vsVM.ID}},
		{"unknown recovery resource", "list_recovery_points", map[string]any{"resource": "nope"}, []string{`no resource with id "nope"`}},
		{"run_action unknown resource", "run_action", map[string]any{"resource": "nope", "action": "restart"}, []string{`no resource with id "nope"`}},
		{"run_action missing resource", "run_action", map[string]any{"action": "restart"}, []string{"resource is required"}},
		{"run_action bad params", "run_action", map[string]any{"resource": app.ID, "action": "restart", "params": map[string]any{"n": 1}}, []string{"params must be an object of string values"}},

		// Governance: the classification is named, before anything else
		// (control is disabled in this core: there is no control path at all).
		{"admitted platform", "run_action", map[string]any{"resource": vsVM.ID, "action": "power-off", "confirm": true},
			[]string{"control refused: vmware-vsphere is admitted, not supported", "read-only", "Control is supported on agent, docker, kubernetes, truenas"}},
		{"read-only platform", "run_action", map[string]any{"resource": pbs.ID, "action": "prune"},
			[]string{"control refused: assistant control of proxmox-pbs is read-only"}},
		{"augmentation-only without an agent", "run_action", map[string]any{"resource": pveVM.ID, "action": "reboot", "confirm": true},
			[]string{"control refused: assistant control of proxmox-pve is augmentation-only", "enrolled pulse-agent", "no live agent source"}},
		{"augmentation-only node without an agent", "run_action", map[string]any{"resource": pveNode2.ID, "action": "reboot"},
			[]string{"augmentation-only", "pve02"}},
		{"augmentation-only through an agent that declares nothing", "run_action", map[string]any{"resource": pveNode.ID, "action": "reboot"},
			[]string{`action "reboot" refused: agent declares no control actions`}},
		{"supported platform, undeclared action", "run_action", map[string]any{"resource": app.ID, "action": "delete"},
			[]string{`action "delete" is not an action docker declares; valid actions are restart`}},
		{"supported platform, missing action", "run_action", map[string]any{"resource": app.ID},
			[]string{"action is required; docker declares restart"}},
		{"confirmed, but this core has no control path", "run_action", map[string]any{"resource": app.ID, "action": "restart", "confirm": true},
			[]string{"the core refused the action (HTTP 503): control is not available in this core"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, cs, tc.tool, tc.args)
			if !r.IsError {
				t.Fatalf("not an error: %s", r.Text)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("error lacks %q:\n%s", w, r.Text)
				}
			}
		})
	}

	// Without confirm the supported path returns the plan and does nothing.
	v := callJSON(t, cs, "run_action", map[string]any{"resource": app.ID, "action": "restart"})
	p := v["plan"].(map[string]any)
	if v["executed"] != false || p["platform"] != "docker" || p["connection"] != "apphost" || p["action"] != "restart" ||
		p["resource"].(map[string]any)["name"] != "grafana" || p["assistant_control"] != "supported" {
		t.Errorf("plan = %v", v)
	}
}
