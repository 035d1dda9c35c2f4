package pmg_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pmg/fakepmg"
	"github.com/pulsehost/pulse/plugins/proxmox-pmg/pmg"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

func TestCollectGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model *fakepmg.Cluster
	}{
		{"lab", fakepmg.Lab(epoch)},
		{"standalone", fakepmg.Generate(1, epoch)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, tc.model, pmg.Options{}, fakeapi.Options{})
			l.configure("lab", loginConfig(l.url))
			sdktest.Golden(t, "collect_"+tc.name+".json", l.mustCollect("lab").Readable())
		})
	}
}

type gw struct {
	Clustered  bool  `json:"clustered"`
	QueueTotal int64 `json:"queue_total"`
	Deferred   int64 `json:"queue_deferred"`
	OldestAge  int64 `json:"oldest_queued_age_seconds"`
	Nodes      []struct {
		Name   string           `json:"name"`
		Role   string           `json:"role"`
		Online bool             `json:"online"`
		InSync *bool            `json:"in_sync"`
		Queues map[string]int64 `json:"queues"`
	} `json:"nodes"`
	Quarantine struct {
		Spam       int64  `json:"spam_count"`
		Attachment int64  `json:"attachment_count"`
		Growth     *int64 `json:"growth_last_hour"`
	} `json:"quarantine"`
}

func gateway(t *testing.T, s *sdktest.Snapshot) gw {
	t.Helper()
	r := find(s, "gateway")
	if r == nil || r.Type != "pmg" {
		t.Fatalf("no pmg resource: %+v", s.Readable().Resources)
	}
	var g gw
	if err := json.Unmarshal(r.Attributes, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLabCluster: one pmg resource for the two-node cluster, per-node
// queues, and the deferred backlog's alerts at the default thresholds.
func TestLabCluster(t *testing.T) {
	l := newLab(t, fakepmg.Lab(epoch), pmg.Options{}, fakeapi.Options{})
	l.configure("lab", loginConfig(l.url))
	snap := l.mustCollect("lab")
	if len(snap.Resources) != 1 {
		t.Fatalf("%d resources, want one pmg for the cluster", len(snap.Resources))
	}
	g := gateway(t, snap)
	if !g.Clustered || len(g.Nodes) != 2 || g.Nodes[0].Role != "master" || g.Nodes[1].Queues["deferred"] != 646 || g.Nodes[1].Queues["hold"] != 3 {
		t.Errorf("gateway = %+v", g)
	}
	if g.OldestAge != 80*60 || g.QueueTotal != 7+3+646+3 {
		t.Errorf("oldest %d total %d", g.OldestAge, g.QueueTotal)
	}
	alerts := alertIDs(snap)
	for id, want := range map[string]string{
		"mail-queue/pmg2":    "652 queued messages (threshold 500)",
		"mail-deferred/pmg2": "646 deferred messages (threshold 500)",
		"mail-oldest/pmg2":   "1h20m0s old (threshold 1h0m0s)",
	} {
		if !strings.Contains(alerts[id], want) {
			t.Errorf("alert %s = %q, want %q", id, alerts[id], want)
		}
	}
	if len(alerts) != 3 {
		t.Errorf("alerts %v", alerts)
	}
	sev := map[string]string{}
	for _, a := range snap.Alerts {
		sev[a.NativeId] = a.Severity
	}
	if sev["mail-queue/pmg2"] != "warning" || sev["mail-deferred/pmg2"] != "critical" || sev["mail-oldest/pmg2"] != "critical" {
		t.Errorf("severities %v", sev)
	}
	names := map[string]float64{}
	for _, m := range snap.Metrics {
		names[m.Name] = m.Value
	}
	if names["mail_queue_deferred_messages"] != 650 || names["mail_queue_hold_messages"] != 3 {
		t.Errorf("metrics %v", names)
	}
}

// TestThresholdsFromConfig: the connection block overrides the defaults.
func TestThresholdsFromConfig(t *testing.T) {
	l := newLab(t, fakepmg.Lab(epoch), pmg.Options{}, fakeapi.Options{})
	cfg := loginConfig(l.url)
	cfg["queue_warning"], cfg["queue_critical"] = 5, 600
	cfg["deferred_warning"], cfg["deferred_critical"] = 700, 800
	cfg["hold_warning"], cfg["hold_critical"] = 2, 10
	cfg["oldest_warning"], cfg["oldest_critical"] = "2h", "3h"
	l.configure("lab", cfg)
	snap := l.mustCollect("lab")
	sev := map[string]string{}
	for _, a := range snap.Alerts {
		sev[a.NativeId] = a.Severity
	}
	want := map[string]string{"mail-queue/pmg1": "warning", "mail-queue/pmg2": "critical", "mail-hold/pmg2": "warning"}
	if len(sev) != len(want) {
		t.Errorf("alerts %v, want %v", sev, want)
	}
	for id, s := range want {
		if sev[id] != s {
			t.Errorf("%s = %q, want %q", id, sev[id], s)
		}
	}
}

// TestNodeOfflineAndOutOfSync: a node pmgproxy cannot reach (595) is
// offline with an alert, not a failed cycle; an out-of-sync node warns.
func TestNodeOfflineAndOutOfSync(t *testing.T) {
	c := fakepmg.Generate(3, epoch)
	l := newLab(t, c, pmg.Options{}, fakeapi.Options{})
	l.configure("lab", loginConfig(l.url))
	l.mustCollect("lab")
	l.fake.Update(func(c *fakepmg.Cluster) { c.Node("pmg3").Online = false; c.Node("pmg2").InSync = false })
	snap := l.mustCollect("lab")
	alerts := alertIDs(snap)
	if !strings.Contains(alerts["node-offline/pmg3"], "595") || !strings.Contains(alerts["node-out-of-sync/pmg2"], "out of sync") {
		t.Errorf("alerts %v", alerts)
	}
	if r := find(snap, "gateway"); r.Status != "degraded" {
		t.Errorf("status %s", r.Status)
	}
}

// TestQuarantineGrowth: a jump of the quarantine over an hour warns.
func TestQuarantineGrowth(t *testing.T) {
	l := newLab(t, fakepmg.Generate(1, epoch), pmg.Options{SlowCycles: 1}, fakeapi.Options{})
	l.configure("lab", loginConfig(l.url))
	l.mustCollect("lab")
	l.clock.Advance(61 * time.Minute)
	l.fake.Update(func(c *fakepmg.Cluster) { c.SpamCount += 800 })
	snap := l.mustCollect("lab")
	if g := gateway(t, snap); g.Quarantine.Growth == nil || *g.Quarantine.Growth != 800 {
		t.Errorf("growth %v", g.Quarantine.Growth)
	}
	if !strings.Contains(alertIDs(snap)["quarantine-growth"], "grew by 800") {
		t.Errorf("alerts %v", alertIDs(snap))
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		fault      fakeapi.Fault
		want       string
	}{
		{"401 ticket refused and login refused", "", fakeapi.Fault{Status: 401, Message: "authentication failure"}, "authentication failed"},
		{"403 cluster", "/config/cluster/status", fakeapi.Fault{Status: 403, Message: "permission check failed (/config/cluster, audit)"}, "lacks the audit privilege"},
		{"500 statistics", "/statistics/mail", fakeapi.Fault{Status: 500, Message: "database error"}, "500 database error"},
		{"503 everywhere", "", fakeapi.Fault{Status: 503, Message: "Service Unavailable"}, "503"},
		{"timeout", "/config/cluster/status", fakeapi.Fault{Delay: 2 * time.Second}, "timed out"},
		{"malformed json", "/quarantine/spamstatus", fakeapi.Fault{Body: `{"data":{"count":}}`}, "malformed response"},
		{"truncated json", "/nodes/{node}/postfix/queue/{queue}", fakeapi.Fault{Truncate: true}, "malformed response"},
		{"wrong shape", "/config/cluster/status", fakeapi.Fault{Body: `{"data":{"name":"x"}}`}, "malformed response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, fakepmg.Lab(epoch), pmg.Options{SlowCycles: 1}, fakeapi.Options{})
			timeout := 20 * time.Second // short only where the fault is a timeout
			if tc.fault.Delay > 0 {
				timeout = 300 * time.Millisecond
			}
			l.configureTimeout("lab", loginConfig(l.url), timeout)
			good := l.mustCollect("lab")
			l.fake.ExpireTickets() // the next cycle must log in again, through the fault
			l.fake.SetFault(tc.path, tc.fault)
			snap, err := l.collect("lab")
			if err == nil {
				t.Fatal("collect succeeded under fault")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if snap.Records() != 0 {
				t.Errorf("a failed collect emitted %d records", snap.Records())
			}
			l.fake.ClearFaults()
			if again := l.mustCollect("lab"); again.Records() != good.Records() {
				t.Errorf("after recovery %d records, before %d", again.Records(), good.Records())
			}
		})
	}
}

func TestTicketRenewal(t *testing.T) {
	l := newLab(t, fakepmg.Generate(1, epoch), pmg.Options{}, fakeapi.Options{})
	l.configure("lab", loginConfig(l.url))
	l.mustCollect("lab")
	l.clock.Advance(65 * time.Minute)
	l.mustCollect("lab")
	if logins, renewals := l.fake.Logins(); logins != 1 || renewals != 1 {
		t.Errorf("logins %d renewals %d, want 1 and 1", logins, renewals)
	}
	l.clock.Advance(3 * time.Hour) // expired: a fresh login
	l.mustCollect("lab")
	if logins, _ := l.fake.Logins(); logins != 2 {
		t.Errorf("logins %d, want 2", logins)
	}
}

func TestCheck(t *testing.T) {
	l := newLab(t, fakepmg.Lab(epoch), pmg.Options{}, fakeapi.Options{})
	l.configure("lab", loginConfig(l.url))
	rep, err := l.client.Check(context.Background(), "lab")
	if err != nil || !rep.OK() || rep.EndpointVersion != "9.0" {
		t.Fatalf("check = %+v %v", rep, err)
	}
	l.fake.SetPrivileges([]string{"qmanager"})
	rep, _ = l.client.Check(context.Background(), "lab")
	if rep.OK() {
		t.Fatal("check passed without the audit role")
	}
	for _, c := range rep.Checks {
		if !c.OK && c.MissingPrivilege != "audit" {
			t.Errorf("%s: missing %q", c.Name, c.MissingPrivilege)
		}
	}
	l.configure("bad", map[string]any{"endpoint": l.url, "username": fakepmg.DefaultUsername, "password": "wrong"})
	rep, _ = l.client.Check(context.Background(), "bad")
	if rep.OK() || !strings.Contains(rep.Checks[0].Message, "login was refused") {
		t.Errorf("bad password check = %+v", rep)
	}
}

func TestExecuteRefused(t *testing.T) {
	l := newLab(t, fakepmg.Generate(1, epoch), pmg.Options{}, fakeapi.Options{})
	l.configure("lab", loginConfig(l.url))
	_, err := l.client.Execute(context.Background(), "lab", sdk.Action{Name: "flush-queue", Target: "gateway"})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("execute = %v", err)
	}
}

func TestConfigureRejects(t *testing.T) {
	l := newLab(t, fakepmg.Generate(1, epoch), pmg.Options{}, fakeapi.Options{})
	for name, tc := range map[string]struct {
		cfg  map[string]any
		want string
	}{
		"token":       {map[string]any{"endpoint": "pmg1", "token_id": "a@pmg!b"}, "unknown field"},
		"no realm":    {map[string]any{"endpoint": "pmg1", "username": "pulse", "password": "x"}, "needs a realm"},
		"thresholds":  {map[string]any{"endpoint": "pmg1", "username": "a@pmg", "password": "x", "deferred_warning": 600}, "deferred_warning (600)"},
		"oldest":      {map[string]any{"endpoint": "pmg1", "username": "a@pmg", "password": "x", "oldest_warning": "2h"}, "oldest_warning"},
		"no password": {map[string]any{"endpoint": "pmg1", "username": "a@pmg"}, "required"},
	} {
		t.Run(name, func(t *testing.T) {
			raw, _ := jsonMarshal(tc.cfg)
			err := l.client.Configure(context.Background(), sdk.Connection{Name: "x", Config: raw})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("configure = %v, want %q", err, tc.want)
			}
		})
	}
}
