package alerting

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/alerts"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// fakeStore and fakeHost stand in for the store and the plugin host.
type fakeStore struct {
	mu     sync.Mutex
	res    []resource.Resource
	alerts []resource.Alert
	rps    []resource.RecoveryPoint
	ms     []resource.Metric
}

func (f *fakeStore) Resources(store.Filter) []resource.Resource {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]resource.Resource(nil), f.res...)
}
func (f *fakeStore) Heads() []store.Head {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]store.Head, 0, len(f.res))
	for _, x := range f.res {
		out = append(out, store.Head{ID: x.ID, Type: x.Type, Name: x.Name, Platform: x.Platform, Connection: x.Connection,
			Status: x.Status, Tags: x.Tags, Attributes: x.Attributes, FirstSeen: x.FirstSeen, Stale: x.Stale, StaleReason: x.StaleReason})
	}
	return out
}
func (f *fakeStore) Alerts(store.AlertFilter) []resource.Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]resource.Alert(nil), f.alerts...)
}
func (f *fakeStore) RecoveryPoints(string) []resource.RecoveryPoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]resource.RecoveryPoint(nil), f.rps...)
}
func (f *fakeStore) Metrics(string) []resource.Metric {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]resource.Metric(nil), f.ms...)
}
func (f *fakeStore) MetricsByResource() map[string][]resource.Metric {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]resource.Metric{}
	for _, m := range f.ms {
		out[m.Resource] = append(out[m.Resource], m)
	}
	return out
}

type fakeHost struct{ conns []pluginhost.ConnStatus }

func (h *fakeHost) Connections() []pluginhost.ConnStatus { return h.conns }
func (h *fakeHost) Plugins() []pluginhost.PluginStatus   { return nil }

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func open(t *testing.T, path, src string, st Store, h Host, clock *time.Time) *Runner {
	t.Helper()
	cfg, err := config.ParseBytes("a.hcl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), path, cfg, st, h, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	r.now = func() time.Time { return *clock }
	r.Engine.SetClock(r.now)
	t.Cleanup(func() { r.Close() })
	return r
}

func active(r *Runner) map[string]alerts.Alert {
	out := map[string]alerts.Alert{}
	for _, a := range r.Engine.Active() {
		out[a.ID] = a
	}
	return out
}

func TestFailedBackupStaysUntilAGoodOneAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pulse.db")
	clock := t0
	vm := resource.Resource{ID: "pve/lab/100", Type: resource.TypeVM, Platform: "proxmox-pve", Connection: "lab", Name: "web01", FirstSeen: t0}
	failed := resource.Alert{ID: "alert-1", Resource: vm.ID, Platform: "proxmox-pve", Connection: "lab", Severity: resource.SeverityCritical,
		Kind: "task-failed", Message: "backup (vzdump) of 100 on node pve01 failed: job errors", Started: t0.Add(-time.Hour)}
	st := &fakeStore{res: []resource.Resource{vm}, alerts: []resource.Alert{failed},
		rps: []resource.RecoveryPoint{{ID: "old", Resource: vm.ID, Kind: resource.RecoveryBackup, Time: t0.Add(-48 * time.Hour)}}}
	r := open(t, path, `alerts { defaults = false }`, st, &fakeHost{}, &clock)
	ctx := context.Background()
	if err := r.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := active(r)["backup/"+vm.ID]; !ok {
		t.Fatalf("no backup alert: %v", active(r))
	}
	// A day later the platform's own alert is gone (its 24 h window): the
	// backup alert stays, also across a restart, without firing again.
	clock = t0.Add(25 * time.Hour)
	st.mu.Lock()
	st.alerts = nil
	st.mu.Unlock()
	_ = r.Cycle(ctx)
	if a := active(r); len(a) != 1 || a["backup/"+vm.ID].State != alerts.StateFiring {
		t.Fatalf("after the platform window: %v", a)
	}
	r.Close()
	r = open(t, path, `alerts { defaults = false }`, st, &fakeHost{}, &clock)
	_ = r.Cycle(ctx)
	if a := active(r); len(a) != 1 {
		t.Fatalf("after restart: %v", a)
	}
	h, _ := r.DB.History(ctx, alerts.HistoryFilter{AlertID: "backup/" + vm.ID})
	if len(h) != 1 || h[0].What != "firing" {
		t.Fatalf("history %v: the restored alert fired again", h)
	}
	// A later good backup resolves it.
	st.mu.Lock()
	st.rps = append(st.rps, resource.RecoveryPoint{ID: "new", Resource: vm.ID, Kind: resource.RecoveryBackup, Time: clock})
	st.mu.Unlock()
	clock = clock.Add(time.Minute)
	_ = r.Cycle(ctx)
	if a := active(r); len(a) != 0 {
		t.Fatalf("after a good backup: %v", a)
	}
}

func TestConnectionFailingAndBackupAge(t *testing.T) {
	clock := t0
	last := t0.Add(-time.Minute)
	poll := t0
	h := &fakeHost{conns: []pluginhost.ConnStatus{{Platform: "proxmox-pve", Name: "lab", PollInterval: "10s",
		LastPoll: &poll, LastSuccess: &last, LastError: "dial tcp: connection refused", Failures: 6}}}
	vm := resource.Resource{ID: "pve/lab/100", Type: resource.TypeVM, Platform: "proxmox-pve", Connection: "lab", Name: "web01",
		FirstSeen: t0.Add(-10 * 24 * time.Hour)}
	st := &fakeStore{res: []resource.Resource{vm}}
	r := open(t, filepath.Join(t.TempDir(), "pulse.db"), ``, st, h, &clock)
	if err := r.Cycle(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := active(r)
	if c, ok := a["connection/proxmox-pve/lab"]; !ok || !strings.Contains(c.Message, "connection refused") {
		t.Fatalf("no connection alert: %v", a)
	}
	if b, ok := a["rule/backup-age-vm/pve/lab/100"]; !ok || b.Severity != "warning" {
		t.Fatalf("no backup-age warning for a VM never backed up in 10 days: %v", a)
	}
}

func TestAPI(t *testing.T) {
	clock := t0
	var mu sync.Mutex
	var got []map[string]any
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer rc.Close()
	vm := resource.Resource{ID: "vm1", Type: resource.TypeVM, Platform: "proxmox-pve", Connection: "lab", Name: "web01", FirstSeen: t0}
	st := &fakeStore{res: []resource.Resource{vm}, ms: []resource.Metric{{Resource: "vm1", Name: "cpu_usage_ratio", Value: 0.9, Time: t0}}}
	r := open(t, filepath.Join(t.TempDir(), "pulse.db"), `
notifier "webhook" "hook" { url = "`+rc.URL+`" }`, st, &fakeHost{}, &clock)
	mux := http.NewServeMux()
	for p, h := range r.Routes() {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ctx := context.Background()
	if err := r.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/api/v1/alerts", "", 200, `"id": "rule/cpu-vm/vm1"`},
		{"GET", "/api/v1/alerts?severity=red", "", 400, "use one of info, warning, critical"},
		{"GET", "/api/v1/alerts?colour=red", "", 400, "valid parameters are state, severity"},
		{"GET", "/api/v1/alerts?severity=critical", "", 200, `"alerts": []`},
		{"GET", "/api/v1/alerts?limit=10", "", 200, `"total": 1`},
		{"GET", "/api/v1/alerts?limit=0", "", 400, "must be a whole number from 1 to 10000"},
		{"GET", "/api/v1/alerts?cursor=x", "", 400, "is not a next_cursor"},
		{"POST", "/api/v1/alerts/ack", `{"id": "rule/cpu-vm/vm1"}`, 400, "id and by are required"},
		{"POST", "/api/v1/alerts/ack", `{"id": "nope", "by": "ann"}`, 404, "no active alert"},
		{"POST", "/api/v1/alerts/ack", `{"id": "rule/cpu-vm/vm1", "by": "ann", "comment": "on it", "extra": 1}`, 400, "unknown field"},
		{"POST", "/api/v1/alerts/ack", `{"id": "rule/cpu-vm/vm1", "by": "ann", "comment": "on it"}`, 200, `"by": "ann"`},
		{"GET", "/api/v1/alerts?acknowledged=true", "", 200, `"comment": "on it"`},
		{"POST", "/api/v1/alerts/unack", `{"id": "rule/cpu-vm/vm1", "by": "ann"}`, 200, `"state": "firing"`},
		{"POST", "/api/v1/silences", `{"matcher": {}, "duration": "1h", "created_by": "ann"}`, 400, "the matcher is empty"},
		{"POST", "/api/v1/silences", `{"matcher": {"resource": "vm1"}, "duration": "-1h", "created_by": "ann"}`, 400, "positive duration"},
		{"POST", "/api/v1/silences", `{"matcher": {"resource": "vm1"}, "duration": "1h", "created_by": "ann"}`, 201, `"created_by": "ann"`},
		{"GET", "/api/v1/alerts?silenced=true", "", 200, `"silenced": true`},
		{"GET", "/api/v1/alerts/history?alert=rule/cpu-vm/vm1", "", 200, `"what": "ack"`},
		{"GET", "/api/v1/alerts/history?since=yesterday", "", 400, "neither an RFC 3339 time nor a duration"},
		{"GET", "/api/v1/alerts/deliveries?alert=rule/cpu-vm/vm1", "", 200, `"channel": "hook"`},
		{"GET", "/api/v1/notifiers", "", 200, `"preset": "generic"`},
		{"POST", "/api/v1/notifiers/nope/test", "", 404, `configured: [hook]`},
		{"POST", "/api/v1/notifiers/hook/test", "", 200, `"state": "delivered"`},
		{"GET", "/api/v1/notifications?state=lost", "", 400, "use one of pending, delivered, dead"},
		{"GET", "/api/v1/alerts/rules", "", 200, `"name": "memory-vm-critical"`},
	} {
		if tc.path == "/api/v1/alerts/deliveries?alert=rule/cpu-vm/vm1" {
			_, _ = r.Notify.Outbox.DeliverDue(ctx, 0)
		}
		status, body := do(tc.method, tc.path, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %s\nwant %d containing %q", tc.method, tc.path, status, body, tc.status, tc.want)
		}
	}
	var sils []alerts.Silence
	_, body := do("GET", "/api/v1/silences", "")
	_ = json.Unmarshal([]byte(body), &sils)
	if len(sils) != 1 {
		t.Fatalf("silences %s", body)
	}
	if s, _ := do("PUT", "/api/v1/silences/"+sils[0].ID, `{"matcher": {"rule": "cpu-vm"}, "duration": "2h", "created_by": "bob"}`); s != 200 {
		t.Fatalf("update silence: %d", s)
	}
	if s, _ := do("DELETE", "/api/v1/silences/"+sils[0].ID, ""); s != 204 {
		t.Fatalf("delete silence: %d", s)
	}
	if s, _ := do("DELETE", "/api/v1/silences/"+sils[0].ID, ""); s != 404 {
		t.Fatalf("delete again: %d", s)
	}
	// Resolution arrives as a notification; include_cleared shows it.
	st.mu.Lock()
	st.ms[0].Value, st.ms[0].Time = 0.1, t0.Add(time.Minute)
	st.mu.Unlock()
	clock = t0.Add(time.Minute)
	_ = r.Cycle(ctx)
	_, _ = r.Notify.Outbox.DeliverDue(ctx, 0)
	if _, body := do("GET", "/api/v1/alerts?include_cleared=true", ""); !strings.Contains(body, `"state": "resolved"`) {
		t.Fatalf("include_cleared: %s", body)
	}
	mu.Lock()
	defer mu.Unlock()
	var kinds []string
	for _, m := range got {
		kinds = append(kinds, m["kind"].(string))
	}
	if strings.Join(kinds, ",") != "firing,test,resolved" {
		t.Fatalf("receiver got %v", kinds)
	}
}
