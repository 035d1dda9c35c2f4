package agentgw

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

func (e *env) report(k agentKey, seq uint64, kind string, tel agentwire.Telemetry) {
	e.t.Helper()
	b, _ := json.Marshal(agentwire.Report{Fingerprint: k.fp, Seq: seq, SentAt: e.clock.now().Format(time.RFC3339), Kind: kind, Telemetry: tel})
	if code, body := e.post(agentwire.PathReport, b, sign(e.t, k, agentwire.NamespaceReport, b)); code != 200 {
		e.t.Fatalf("report %d = %d %s", seq, code, body)
	}
}

func TestReportsBecomeCanonicalAgentRecords(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	e.enroll(k)
	e.report(k, 1, agentwire.KindFull, telemetry("node1"))

	hosts := e.st.Resources(store.Filter{Type: resource.TypeAgent, Platform: "agent"})
	if len(hosts) != 1 || hosts[0].Name != "node1" || hosts[0].Connection != ConnectionName(k.fp) {
		t.Fatalf("hosts = %+v", hosts)
	}
	h := hosts[0]
	keys := map[resource.KeyKind]string{}
	for _, ik := range h.Identity {
		keys[ik.Kind] = ik.Value
	}
	for kind, want := range map[resource.KeyKind]string{
		resource.KeySSHFingerprint: k.fp, resource.KeyMachineID: "6f1c0a5e9d2b4c7f8e3a1b2c3d4e5f60",
		resource.KeyDMIUUID: "4c4c4544-0042-3510-8052-b4c04f384d32", resource.KeyHostnameMAC: "node1/3c:ec:ef:01:02:03",
	} {
		if !strings.EqualFold(keys[kind], want) { // the store normalizes key values to lower case
			t.Errorf("identity %s = %q, want %q (all: %v)", kind, keys[kind], want, h.Identity)
		}
	}
	metrics := map[string]float64{}
	for _, m := range e.st.Metrics(h.ID) {
		metrics[m.Name] = m.Value
		if _, ok := resource.LookupMetric(m.Name); !ok {
			t.Errorf("metric %s is not in the canonical vocabulary", m.Name)
		}
	}
	if metrics["cpu_usage_ratio"] != 0.25 || metrics["memory_total_bytes"] != 64000<<20 || metrics["load1"] != 0.5 || metrics["temperature_celsius"] != 48 {
		t.Errorf("host metrics = %v", metrics)
	}
	if fs := e.st.Resources(store.Filter{Type: resource.TypeStorage, Platform: "agent"}); len(fs) != 1 || fs[0].Name != "node1:/" {
		t.Errorf("storage = %+v", fs)
	} else if m := e.st.Metrics(fs[0].ID); len(m) != 4 {
		t.Errorf("storage metrics = %+v", m)
	}
	disks := e.st.Resources(store.Filter{Type: resource.TypePhysicalDisk, Platform: "agent"})
	if len(disks) != 1 || len(disks[0].Identity) != 1 || !strings.EqualFold(disks[0].Identity[0].Value, "S5SXNG0R123456") {
		t.Errorf("disks = %+v", disks)
	}

	// A metrics report without the inventory keeps the installed tools of
	// the last full report.
	tel := telemetry("node1")
	tel.Capabilities.InstalledTools = nil
	tel.Environment.LastUpdateTimestamp = ""
	e.report(k, 2, agentwire.KindMetrics, tel)
	h2, _ := e.st.Resource(h.ID)
	var attrs map[string]any
	_ = json.Unmarshal(h2.Attributes, &attrs)
	if tools, _ := attrs["installed_tools"].([]any); len(tools) != 2 || attrs["last_update_timestamp"] != "2026-11-29T03:00:00Z" {
		t.Errorf("after a metrics report: %s", h2.Attributes)
	}
	a, ok, _ := GetAgent(context.Background(), e.db, k.fp, e.clock.now())
	if !ok || a.LastSeq != 2 || a.State != StateActive || a.EnrolledVia != ViaToken || a.Labels["site"] != "lab" || a.IntervalSeconds != 30 {
		t.Errorf("agent = %+v", a)
	}
}

// TestSingleUseTokenConcurrentEnrolls: of many concurrent enrollments with a
// single-use token, exactly one wins.
func TestSingleUseTokenConcurrentEnrolls(t *testing.T) {
	e := newEnv(t, Options{EnrollBurst: 100})
	tok := e.token(15*time.Minute, 1)
	const n = 12
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		k := newKey(t)
		b := enrollBody(tok, k)
		s := sign(t, k, agentwire.NamespaceEnroll, b)
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = e.post(agentwire.PathEnroll, b, s)
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case 201:
			won++
		case 401:
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	agents, _ := ListAgents(context.Background(), e.db, e.clock.now())
	if won != 1 || len(agents) != 1 {
		t.Fatalf("winners = %d, agents = %d (codes %v)", won, len(agents), codes)
	}
}

// TestSilentAgentGoesStaleWithAlertAndComesBack: three intervals of silence
// make the agent's records stale with the reason and raise an alert; the
// data stays; the next report clears both.
func TestSilentAgentGoesStaleWithAlertAndComesBack(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	e.enroll(k)
	e.report(k, 1, agentwire.KindFull, telemetry("node1"))
	ctx := context.Background()

	e.clock.add(80 * time.Second) // under 3 × 30 s
	if err := e.gw.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	if r := e.st.Resources(store.Filter{Platform: "agent"}); len(r) != 3 || r[0].Stale {
		t.Fatalf("stale too early: %+v", r)
	}
	e.clock.add(20 * time.Second)
	if err := e.gw.CheckStale(ctx); err != nil {
		t.Fatal(err)
	}
	rs := e.st.Resources(store.Filter{Platform: "agent"})
	if len(rs) != 3 {
		t.Fatalf("data not kept: %d resources", len(rs))
	}
	for _, r := range rs {
		if !r.Stale || r.StaleReason == "" {
			t.Fatalf("%s not stale: %+v", r.Name, r)
		}
	}
	alerts := e.st.Alerts(store.AlertFilter{})
	if len(alerts) != 1 || alerts[0].Kind != StaleAlertKind || alerts[0].Cleared != nil {
		t.Fatalf("alerts = %+v", alerts)
	}
	if a, _, _ := GetAgent(ctx, e.db, k.fp, e.clock.now()); a.State != StateStale || a.StaleReason == "" {
		t.Fatalf("agent = %+v", a)
	}
	e.report(k, 2, agentwire.KindMetrics, telemetry("node1"))
	if r := e.st.Resources(store.Filter{Platform: "agent", Type: resource.TypeAgent}); r[0].Stale {
		t.Fatalf("still stale after a report: %+v", r[0])
	}
	if a := e.st.Alerts(store.AlertFilter{}); len(a) != 0 {
		t.Fatalf("alert not cleared: %+v", a)
	}
}

// TestRevokedHostEnrollsAgain: a revoked key is refused, enrolls again with
// a new token, and its old reports stay refused (the seq is kept).
func TestRevokedHostEnrollsAgain(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	e.enroll(k)
	e.report(k, 3, agentwire.KindFull, telemetry("node1"))
	if err := RevokeAgent(context.Background(), e.db, k.fp, e.clock.now()); err != nil {
		t.Fatal(err)
	}
	e.enroll(k)
	b := reportBody(k, 3, e.clock.now(), agentwire.KindFull)
	if code, _ := e.post(agentwire.PathReport, b, sign(t, k, agentwire.NamespaceReport, b)); code != 409 {
		t.Fatalf("old seq after re-enrolling = %d", code)
	}
	e.report(k, 4, agentwire.KindFull, telemetry("node1"))
}

func TestManualEnrollment(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	fp, err := AddAgent(context.Background(), e.db, k.line+" root@node1", e.clock.now())
	if err != nil || fp != k.fp {
		t.Fatalf("add = %q, %v", fp, err)
	}
	e.report(k, 1, agentwire.KindFull, telemetry("node1"))
	if _, err := AddAgent(context.Background(), e.db, k.line, e.clock.now()); err == nil {
		t.Fatal("added twice")
	}
}
