package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/control"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/plugins/sdk"
)

type noExec struct{ calls int }

func (n *noExec) Actions(string, string) ([]string, error) { return []string{"restart"}, nil }
func (n *noExec) Execute(context.Context, string, string, sdk.Action) (string, error) {
	n.calls++
	return "done", nil
}

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestActions drives the control path over HTTP with the real store: the
// PVE VM is refused by its classification (augmentation-only), before
// anything reaches a plugin.
func TestActions(t *testing.T) {
	_, st := newServer(t)
	db, err := database.Open(filepath.Join(t.TempDir(), "pulse.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	audit, err := control.OpenAudit(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	exec := &noExec{}
	ctl := control.New(st, exec, audit, config.Control{Enabled: true}, hclog.NewNullLogger())
	srv := httptest.NewServer(New(st, fakeHost{}, hclog.NewNullLogger(), "test").WithControl(ctl).Handler())
	defer srv.Close()
	vm := st.Resources(store.Filter{Type: "vm"})[0].ID

	code, out := post(t, srv.URL+"/api/v1/resources/"+vm+"/actions", `{"action": "restart", "params": {"force": true}}`)
	if code != http.StatusForbidden || out["outcome"] != "refused" || out["classification"] != "augmentation-only" ||
		!strings.Contains(out["reason"].(string), "assistant control for proxmox-pve is augmentation-only") {
		t.Fatalf("%d %v", code, out)
	}
	if exec.calls != 0 {
		t.Fatal("a refused action reached the executor")
	}
	for _, tc := range []struct {
		path, body string
		code       int
		has        string
	}{
		{"/api/v1/resources/nope/actions", `{"action": "restart"}`, http.StatusNotFound, `no resource with id \"nope\"`},
		{"/api/v1/resources/" + vm + "/actions", `{"action": "restart", "force": true}`, http.StatusBadRequest, `unknown field \"force\"`},
		{"/api/v1/resources/" + vm + "/actions", `{"params": {}}`, http.StatusBadRequest, "names no action"},
		{"/api/v1/resources/" + vm + "/actions", `not json`, http.StatusBadRequest, "not an action request"},
		{"/api/v1/resources/" + vm + "/actions", `{"action": "Re Start"}`, http.StatusBadRequest, "is not an action name"},
	} {
		resp, err := http.Post(srv.URL+tc.path, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(raw), tc.has) {
			t.Errorf("%s %s: %d %s", tc.path, tc.body, resp.StatusCode, raw)
		}
	}
	code, body := get(t, srv.URL+"/api/v1/actions?resource="+vm)
	var list struct {
		Count   int `json:"count"`
		Actions []struct {
			Actor   string         `json:"actor"`
			Params  map[string]any `json:"params"`
			Outcome string         `json:"outcome"`
		} `json:"actions"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || list.Count != 2 ||
		list.Actions[1].Params["force"] != true || !strings.HasPrefix(list.Actions[1].Actor, "api 127.0.0.1:") {
		t.Fatalf("audit list: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/api/v1/actions?limit=0"); code != http.StatusBadRequest || !strings.Contains(body, "from 1 to 1000") {
		t.Errorf("limit=0: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/api/v1/actions?since=1"); code != http.StatusBadRequest || !strings.Contains(body, "resource, limit") {
		t.Errorf("unknown parameter: %d %s", code, body)
	}
}
