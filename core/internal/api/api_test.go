package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

type fakeHost struct{}

func (fakeHost) Connections() []pluginhost.ConnStatus {
	return []pluginhost.ConnStatus{{Platform: "proxmox-pve", Name: "lab", State: pluginhost.StateOK, Polls: 4, Rejected: 1, LastDurationMS: 12.5}}
}
func (fakeHost) Plugins() []pluginhost.PluginStatus {
	return []pluginhost.PluginStatus{{Platform: "proxmox-pve", State: pluginhost.PluginRunning, Restarts: 2}}
}

func newServer(t *testing.T) (*httptest.Server, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "pulse.db"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src := resource.SourceRef{Platform: "proxmox-pve", Connection: "lab"}
	_, err = st.ApplySnapshot(t.Context(), src, resource.Snapshot{
		Resources: []resource.Observation{
			{Type: "agent", NativeID: "node/pve01", Name: "pve01", Status: "online"},
			{Type: "vm", NativeID: "100", Name: "web", Status: "running"},
		},
		Links:   []resource.Link{{From: "100", Kind: "runs-on", To: "node/pve01"}},
		Metrics: []resource.Metric{{Resource: "100", Name: "cpu_usage_ratio", Value: 0.25, Time: time.Unix(10, 0)}},
		Alerts:  []resource.Alert{{ID: "ha:100", Resource: "100", Severity: "critical", Kind: "ha-error", Message: "HA error", Started: time.Unix(5, 0)}},
	}, time.Unix(10, 0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(st, fakeHost{}, hclog.NewNullLogger(), "test").Handler())
	t.Cleanup(srv.Close)
	return srv, st
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	srv, st := newServer(t)
	vm := st.Resources(store.Filter{Type: "vm"})[0]
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/healthz", 200, []string{`"status": "ok"`}},
		{"/api/v1/platforms", 200, []string{`"id": "vmware-vsphere"`, `"state": "admitted"`, `"proposed_floor"`}},
		{"/api/v1/connections", 200, []string{`"state": "ok"`, `"rejected": 1`}},
		{"/api/v1/plugins", 200, []string{`"restarts": 2`}},
		{"/api/v1/resources", 200, []string{`"count": 2`}},
		{"/api/v1/resources?type=vm", 200, []string{`"count": 1`, `"name": "web"`}},
		{"/api/v1/resources?platform=proxmox-pve&connection=lab&stale=false", 200, []string{`"count": 2`}},
		{"/api/v1/resources?stale=true", 200, []string{`"count": 0`, `"resources": []`}},
		{"/api/v1/resources/" + vm.ID, 200, []string{`"cpu_usage_ratio"`, `"ha-error"`, `"kind": "runs-on"`}},
		{"/api/v1/alerts", 200, []string{`"count": 1`, `"severity": "critical"`}},
		{"/api/v1/recovery-points", 200, []string{`"count": 0`}},
		{"/api/v1/resources?type=esxi-host", 400, []string{`not a canonical resource type`, `agent, vm`}},
		{"/api/v1/resources?platform=esxi", 400, []string{`not a governed platform id`}},
		{"/api/v1/resources?stale=maybe", 400, []string{`use true or false`}},
		{"/api/v1/resources?colour=red", 400, []string{`unknown query parameter \"colour\"`, "type, platform, connection, stale"}},
		{"/api/v1/resources/vm-0000", 404, []string{`no resource with id \"vm-0000\"`}},
		{"/api/v2/things", 404, []string{`the API lives under /api/v1/ (`, `alerts`, `summary`, `vocabulary`}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body := get(t, srv.URL+tt.path)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %s", code, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			if code == 200 && !json.Valid([]byte(body)) && tt.path != "/metrics" {
				t.Errorf("invalid JSON")
			}
		})
	}
}

func TestMetricsExposition(t *testing.T) {
	srv, _ := newServer(t)
	code, body := get(t, srv.URL+"/metrics")
	if code != 200 {
		t.Fatal(code)
	}
	for _, want := range []string{
		`pulse_connection_up{platform="proxmox-pve",connection="lab"} 1`,
		`pulse_connection_polls_total{platform="proxmox-pve",connection="lab"} 4`,
		`pulse_connection_last_poll_duration_seconds{platform="proxmox-pve",connection="lab"} 0.0125`,
		`pulse_plugin_restarts_total{platform="proxmox-pve"} 2`,
		`pulse_resources{type="vm",stale="false"} 1`,
		`pulse_alerts_active{severity="critical"} 1`,
		"# TYPE pulse_connection_polls_total counter",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
