package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// transports connects the SDK's client to c over both transports.
func transports(t *testing.T, c *testCore) map[string]*gomcp.ClientSession {
	t.Helper()
	return map[string]*gomcp.ClientSession{
		"http":  httpSession(t, c.srv.URL),
		"stdio": stdioSession(t, c.srv.Listener.Addr().String()),
	}
}

var toolNames = []string{"list_platforms", "list_connections", "list_resources", "get_resource", "list_alerts", "list_recovery_points", "run_action"}

// readableFromModel is computed here independently of the package: the
// platforms whose assistant-read surface is supported.
func readableFromModel() []any {
	var out []any
	for _, p := range platform.All() {
		if p.Floor != nil && p.Admission != platform.AdmissionPresentationOnly && p.Floor.Class(platform.SurfaceAssistantRead) == platform.ClassSupported {
			out = append(out, string(p.ID))
		}
	}
	return out
}

func schemaOf(t *testing.T, tool *gomcp.Tool) map[string]any {
	t.Helper()
	data, err := json.Marshal(tool.InputSchema)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestToolListAndSchemas(t *testing.T) {
	c := newTestCore(t)
	for name, cs := range transports(t, c) {
		t.Run(name, func(t *testing.T) {
			tools := listTools(t, cs)
			var got []string
			byName := map[string]*gomcp.Tool{}
			for _, tool := range tools {
				got = append(got, tool.Name)
				byName[tool.Name] = tool
				if tool.Description == "" {
					t.Errorf("%s has no description", tool.Name)
				}
				s := schemaOf(t, tool)
				if s["type"] != "object" {
					t.Errorf("%s: schema type %v", tool.Name, s["type"])
				}
				props, _ := s["properties"].(map[string]any)
				for p, v := range props {
					if d, _ := v.(map[string]any)["description"].(string); d == "" {
						t.Errorf("%s.%s has no description", tool.Name, p)
					}
				}
			}
			slices.Sort(got)
			want := slices.Clone(toolNames)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("tools = %v, want %v", got, want)
			}
			params := map[string][]string{
				"list_platforms": nil, "list_connections": nil,
				"list_resources": {"connection", "limit", "platform", "query", "stale", "type"},
				"get_resource":   {"id"}, "list_alerts": {"platform", "severity"},
				"list_recovery_points": {"platform", "resource"},
				"run_action":           {"action", "confirm", "params", "resource"},
			}
			for tool, want := range params {
				props, _ := schemaOf(t, byName[tool])["properties"].(map[string]any)
				var got []string
				for p := range props {
					got = append(got, p)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s params = %v, want %v", tool, got, want)
				}
			}
			// Enumerations are derived from the model.
			props := schemaOf(t, byName["list_resources"])["properties"].(map[string]any)
			if enum := props["platform"].(map[string]any)["enum"]; !slices.Equal(enum.([]any), readableFromModel()) {
				t.Errorf("platform enum = %v, want the readable platforms %v", enum, readableFromModel())
			}
			if enum := props["type"].(map[string]any)["enum"].([]any); len(enum) == 0 || !slices.Contains(enum, any("vm")) || slices.Contains(enum, any("vcenter")) {
				t.Errorf("type enum = %v", enum)
			}
			if lim := props["limit"].(map[string]any); lim["minimum"] != 1.0 || lim["maximum"] != 1000.0 {
				t.Errorf("limit bounds = %v", lim)
			}
			if req := schemaOf(t, byName["run_action"])["required"]; !slices.Equal(req.([]any), []any{"resource", "action"}) {
				t.Errorf("run_action required = %v", req)
			}
			// Wording: vSphere is admitted, never supported.
			ra := byName["run_action"].Description
			for _, want := range []string{"vmware-vsphere is admitted, not supported", "proxmox-pbs is read-only", "proxmox-pve: only through an enrolled agent", "confirm: true"} {
				if !strings.Contains(ra, want) {
					t.Errorf("run_action description lacks %q:\n%s", want, ra)
				}
			}
			lr := byName["list_resources"].Description
			if !strings.Contains(lr, `"support": "admitted" (today: vmware-vsphere (admitted, not supported))`) {
				t.Errorf("list_resources description does not say how admitted records are labelled:\n%s", lr)
			}
			if !byName["list_resources"].Annotations.ReadOnlyHint || byName["run_action"].Annotations.ReadOnlyHint {
				t.Error("read tools must be read-only, run_action not")
			}
		})
	}
}

func TestEachToolAgainstTheTestCore(t *testing.T) {
	c := newTestCore(t)
	cs := httpSession(t, c.srv.URL)

	t.Run("list_platforms", func(t *testing.T) {
		v := callJSON(t, cs, "list_platforms", nil)
		rows := v["platforms"].([]any)
		states := map[string]any{}
		for _, r := range rows {
			m := r.(map[string]any)
			states[m["id"].(string)] = m["state"]
			floor := m["support_floor"]
			if m["state"] == "admitted" {
				floor = m["proposed_floor"]
				if m["support_floor"] != nil || !strings.Contains(m["note"].(string), "not supported") {
					t.Errorf("%v presents a support floor or lacks the note: %v", m["id"], m)
				}
			}
			if len(floor.(map[string]any)) != 8 {
				t.Errorf("%v: %d surfaces, want 8", m["id"], len(floor.(map[string]any)))
			}
		}
		if states["vmware-vsphere"] != "admitted" || states["truenas"] != "supported" || states["proxmox-pve"] != "supported" {
			t.Errorf("states = %v", states)
		}
		if len(rows) != len(platform.FirstClass())+len(platform.Admitted()) {
			t.Errorf("%d platforms", len(rows))
		}
		if po := v["presentation_only"].([]any); !slices.Contains(po, any("aws")) {
			t.Errorf("presentation_only = %v", po)
		}
	})

	t.Run("list_connections", func(t *testing.T) {
		v := callJSON(t, cs, "list_connections", nil)
		if v["count"] != 3.0 {
			t.Fatalf("count = %v", v["count"])
		}
		for _, x := range v["connections"].([]any) {
			m := x.(map[string]any)
			want := "supported"
			if m["platform"] == "vmware-vsphere" {
				want = "admitted"
			}
			if m["support"] != want {
				t.Errorf("%v/%v support = %v, want %s", m["platform"], m["name"], m["support"], want)
			}
			if m["platform"] == "proxmox-pbs" && (m["state"] != "no-plugin" || m["last_error"] == "") {
				t.Errorf("pbs connection = %v", m)
			}
			if m["platform"] == "proxmox-pve" {
				if at, err := time.Parse(time.RFC3339, fmt.Sprint(m["last_poll"])); err != nil || time.Since(at) > time.Minute {
					t.Errorf("last_poll = %v, want the test core's recent poll", m["last_poll"])
				}
			}
		}
	})

	t.Run("list_resources", func(t *testing.T) {
		all := callJSON(t, cs, "list_resources", map[string]any{"limit": 1000})
		if int(all["count"].(float64)) != len(c.store.Resources(storeAll())) {
			t.Errorf("count = %v, store has %d", all["count"], len(c.store.Resources(storeAll())))
		}
		for _, x := range all["resources"].([]any) {
			m := x.(map[string]any)
			for _, k := range []string{"id", "type", "platform", "name", "status", "support"} {
				if m[k] == nil || m[k] == "" {
					t.Errorf("resource lacks %s: %v", k, m)
				}
			}
		}
		vms := callJSON(t, cs, "list_resources", map[string]any{"type": "vm", "platform": "proxmox-pve"})
		if vms["count"].(float64) == 0 {
			t.Fatal("no pve vms")
		}
		for _, x := range vms["resources"].([]any) {
			if m := x.(map[string]any); m["type"] != "vm" || m["platform"] != "proxmox-pve" || m["support"] != "supported" {
				t.Errorf("filtered resource = %v", m)
			}
		}
		lim := callJSON(t, cs, "list_resources", map[string]any{"limit": 2})
		if lim["returned"] != 2.0 || lim["truncated"] == nil || lim["count"] == 2.0 {
			t.Errorf("limit 2: %v", lim)
		}
		q := callJSON(t, cs, "list_resources", map[string]any{"query": "WEB-VS"})
		if q["count"] != 1.0 || q["resources"].([]any)[0].(map[string]any)["name"] != "web-vs01" {
			t.Errorf("query: %v", q)
		}
		conn := callJSON(t, cs, "list_resources", map[string]any{"connection": "vcenter"})
		if conn["count"] != 3.0 {
			t.Errorf("connection=vcenter: %v", conn)
		}
		fresh := callJSON(t, cs, "list_resources", map[string]any{"stale": true})
		if fresh["count"] != 0.0 {
			t.Errorf("stale=true: %v", fresh)
		}
	})

	t.Run("get_resource", func(t *testing.T) {
		node := c.resourceNamed(t, "proxmox-pve", "pve01")
		v := callJSON(t, cs, "get_resource", map[string]any{"id": node.ID})
		if v["id"] != node.ID || v["support"] != "supported" || len(v["metrics"].([]any)) == 0 {
			t.Errorf("pve01 = %v", v)
		}
		if len(v["sources"].([]any)) != 2 {
			t.Errorf("pve01 sources = %v (want the PVE API and the agent)", v["sources"])
		}
		vm := c.resourceNamed(t, "vmware-vsphere", "web-vs01")
		g := callJSON(t, cs, "get_resource", map[string]any{"id": vm.ID})
		rels := g["relationships"].([]any)
		if len(rels) != 1 {
			t.Fatalf("relationships = %v", rels)
		}
		if r := rels[0].(map[string]any); r["kind"] != "runs-on" || r["target_name"] != "esx01.lab" || r["target_support"] != "admitted" {
			t.Errorf("relationship = %v", r)
		}
		if al := g["alerts"].([]any); len(al) != 1 || al[0].(map[string]any)["support"] != "admitted" {
			t.Errorf("alerts = %v", al)
		}
		if m := g["metrics"].([]any); len(m) != 1 || m[0].(map[string]any)["name"] != "cpu_usage_ratio" {
			t.Errorf("metrics = %v", m)
		}
	})

	t.Run("list_alerts", func(t *testing.T) {
		v := callJSON(t, cs, "list_alerts", nil)
		kinds := map[any]any{}
		for _, x := range v["alerts"].([]any) {
			m := x.(map[string]any)
			kinds[m["kind"]] = m["support"]
		}
		if kinds["node-offline"] != "supported" || kinds["vm-cpu-usage"] != "admitted" {
			t.Errorf("alerts by kind = %v", kinds)
		}
		crit := callJSON(t, cs, "list_alerts", map[string]any{"severity": "critical"})
		for _, x := range crit["alerts"].([]any) {
			if x.(map[string]any)["severity"] != "critical" {
				t.Errorf("severity filter: %v", x)
			}
		}
		vs := callJSON(t, cs, "list_alerts", map[string]any{"platform": "vmware-vsphere"})
		if vs["count"] != 1.0 {
			t.Errorf("platform filter: %v", vs)
		}
	})

	t.Run("list_recovery_points", func(t *testing.T) {
		v := callJSON(t, cs, "list_recovery_points", nil)
		pts := v["recovery_points"].([]any)
		if len(pts) == 0 {
			t.Fatal("no recovery points from the PVE fake (backups and snapshots)")
		}
		first := pts[0].(map[string]any)
		if first["support"] != "supported" || first["platform"] != "proxmox-pve" {
			t.Errorf("point = %v", first)
		}
		one := callJSON(t, cs, "list_recovery_points", map[string]any{"resource": first["resource"]})
		for _, x := range one["recovery_points"].([]any) {
			if x.(map[string]any)["resource"] != first["resource"] {
				t.Errorf("resource filter: %v", x)
			}
		}
		if vs := callJSON(t, cs, "list_recovery_points", map[string]any{"platform": "vmware-vsphere"}); vs["count"] != 0.0 {
			t.Errorf("vsphere recovery is n/a: %v", vs)
		}
	})
}

// walk visits every JSON object in v.
func walk(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, e := range x {
			walk(e, fn)
		}
	case []any:
		for _, e := range x {
			walk(e, fn)
		}
	}
}

// TestAdmittedPlatformIsLabelledEverywhere: every record of vmware-vsphere in
// every tool's output says "support": "admitted", and nothing presents it as
// supported.
func TestAdmittedPlatformIsLabelledEverywhere(t *testing.T) {
	c := newTestCore(t)
	cs := httpSession(t, c.srv.URL)
	vm := c.resourceNamed(t, "vmware-vsphere", "web-vs01")
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"list_platforms", nil}, {"list_connections", nil},
		{"list_resources", map[string]any{"limit": 1000}}, {"list_resources", map[string]any{"platform": "vmware-vsphere"}},
		{"get_resource", map[string]any{"id": vm.ID}}, {"list_alerts", nil}, {"list_recovery_points", nil},
	}
	seen := 0
	for _, cl := range calls {
		v := callJSON(t, cs, cl.tool, cl.args)
		walk(v, func(m map[string]any) {
			isVS := m["platform"] == "vmware-vsphere" || m["id"] == "vmware-vsphere" || m["target_platform"] == "vmware-vsphere"
			if !isVS {
				return
			}
			seen++
			label := m["support"]
			if m["id"] == "vmware-vsphere" {
				label = m["state"]
			}
			if m["target_platform"] == "vmware-vsphere" {
				label = m["target_support"]
			}
			if label != "admitted" {
				t.Errorf("%s: a vmware-vsphere record labelled %v: %v", cl.tool, label, m)
			}
			if _, ok := m["support_floor"]; ok {
				t.Errorf("%s: vmware-vsphere shown with a support floor", cl.tool)
			}
			for k, v := range m {
				if v == "supported" {
					t.Errorf("%s: vmware-vsphere record says %s: supported: %v", cl.tool, k, m)
				}
			}
		})
	}
	if seen < 8 {
		t.Errorf("only %d vmware-vsphere records seen", seen)
	}
	// By rule, not special case: every admitted platform of the model is labelled.
	for _, p := range platform.Admitted() {
		v := callJSON(t, cs, "list_platforms", nil)
		for _, r := range v["platforms"].([]any) {
			if m := r.(map[string]any); m["id"] == string(p.ID) && m["state"] != "admitted" {
				t.Errorf("%s state = %v", p.ID, m["state"])
			}
		}
	}
	_ = resource.TypeVM
}

// TestRunActionFollowsDeclaredActions: run_action's description offers
// exactly what running plugins of control-supported platforms declare, and a
// connected client is told when that changes.
func TestRunActionFollowsDeclaredActions(t *testing.T) {
	c := newTestCore(t)
	changed := make(chan struct{}, 10)
	client := gomcp.NewClient(&gomcp.Implementation{Name: "t", Version: "0"}, &gomcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *gomcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cs, err := client.Connect(ctx, &gomcp.StreamableClientTransport{Endpoint: c.srv.URL + "/mcp", MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	desc := func() string {
		for _, tool := range listTools(t, cs) {
			if tool.Name == "run_action" {
				return tool.Description
			}
		}
		t.Fatal("no run_action")
		return ""
	}
	if d := desc(); !strings.Contains(d, "docker: no actions declared by a running source") {
		t.Fatalf("before: %s", d)
	}
	c.host.addPlugin(pluginhost.PluginStatus{Platform: "docker", State: pluginhost.PluginRunning, Actions: []string{"restart", "stop"}})
	if d := desc(); !strings.Contains(d, "docker: restart, stop") {
		t.Fatalf("after: %s", d)
	}
	select {
	case <-changed:
	case <-time.After(callTimeout):
		t.Fatal("no notifications/tools/list_changed")
	}
	v := callJSON(t, cs, "list_platforms", nil)
	for _, r := range v["platforms"].([]any) {
		m := r.(map[string]any)
		want := 0
		if m["id"] == "docker" {
			want = 2
		}
		if got := len(m["actions"].([]any)); got != want {
			t.Errorf("%v offers %d actions, want %d", m["id"], got, want)
		}
	}
}
