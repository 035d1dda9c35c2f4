package alerts

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/database"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func vm(id string, ms ...Sample) Target {
	return Target{ID: id, Type: "vm", Platform: "proxmox-pve", Connection: "lab", Name: "vm-" + id, Metrics: ms, BackupAgeDays: -1}
}

func mem(used, total float64, at time.Time) []Sample {
	return []Sample{{"memory_used_bytes", used, at}, {"memory_total_bytes", total, at}}
}

func whats(evs []Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Alert.Rule+":"+e.What)
	}
	return strings.Join(s, ",")
}

func parseRules(t *testing.T, src string) (config.AlertSettings, []*Rule) {
	t.Helper()
	cfg, err := config.ParseBytes("rules.hcl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Alerts, Compile(cfg.Alerts, cfg.AlertRules)
}

func TestForAndHysteresis(t *testing.T) {
	s, rules := parseRules(t, `
alerts { defaults = false }
alert_rule "vm-memory" {
  match    { type = "vm" }
  metric   = "memory_usage_ratio"
  above    = 0.85
  clear    = 0.80
  for      = "5m"
  severity = "warning"
}`)
	e := New(s, rules)
	steps := []struct {
		after time.Duration
		used  float64
		want  string
	}{
		{0, 90, "vm-memory:pending"},
		{4 * time.Minute, 90, ""},
		{5 * time.Minute, 91, "vm-memory:firing"},
		{6 * time.Minute, 82, ""}, // between clear and trigger: still firing
		{7 * time.Minute, 79, "vm-memory:resolved"},
		{8 * time.Minute, 86, "vm-memory:pending"},
		{9 * time.Minute, 50, "vm-memory:cancelled"}, // never fired: no notification
	}
	for _, st := range steps {
		now := t0.Add(st.after)
		got := whats(e.Evaluate(now, []Target{vm("100", mem(st.used, 100, now)...)}))
		if got != st.want {
			t.Fatalf("at +%s used %v: events %q, want %q", st.after, st.used, got, st.want)
		}
	}
}

func TestCounterRateHandlesReset(t *testing.T) {
	s, rules := parseRules(t, `
alerts { defaults = false }
alert_rule "net" {
  metric = "network_receive_bytes_total"
  above  = 1000
}`)
	e := New(s, rules)
	feed := func(sec int, v float64) string {
		now := t0.Add(time.Duration(sec) * time.Second)
		return whats(e.Evaluate(now, []Target{vm("1", Sample{"network_receive_bytes_total", v, now})}))
	}
	if got := feed(0, 1e6); got != "" {
		t.Fatalf("first sample: %q (no rate yet)", got)
	}
	if got := feed(10, 1e6+5000); got != "" { // 500 B/s
		t.Fatalf("500 B/s: %q", got)
	}
	if got := feed(20, 100); got != "" { // reset: no rate, no alert
		t.Fatalf("reset: %q", got)
	}
	if got := feed(30, 100+50000); got != "net:pending,net:firing" { // 5000 B/s
		t.Fatalf("5000 B/s: %q", got)
	}
}

func TestStaleResourceHoldsItsAlerts(t *testing.T) {
	s, rules := parseRules(t, `alerts { defaults = false }
alert_rule "cpu" {
  metric = "cpu_usage_ratio"
  above  = 0.8
  clear  = 0.7
}`)
	e := New(s, rules)
	if got := whats(e.Evaluate(t0, []Target{vm("1", Sample{"cpu_usage_ratio", 0.9, t0})})); got != "cpu:pending,cpu:firing" {
		t.Fatal(got)
	}
	st := vm("1") // stale, no metrics: must not resolve
	st.Stale, st.StaleReason = true, "connection lab failing"
	if got := whats(e.Evaluate(t0.Add(time.Minute), []Target{st})); got != "" {
		t.Fatalf("stale resource changed its alert: %q", got)
	}
	if a := e.Active(); len(a) != 1 || a[0].Held == "" {
		t.Fatalf("active = %+v, want one held alert", a)
	}
	now := t0.Add(2 * time.Minute)
	if got := whats(e.Evaluate(now, []Target{vm("1", Sample{"cpu_usage_ratio", 0.1, now})})); got != "cpu:resolved" {
		t.Fatalf("fresh again: %q", got)
	}
}

func TestOverridesBySpecificity(t *testing.T) {
	s, rules := parseRules(t, `
alert_rule "build-hosts-cpu" {
  match    { name = "vm-build*" }
  metric   = "cpu_usage_ratio"
  severity = "warning"
  enabled  = false
}
alert_rule "db-cpu" {
  match    { resource = "db" }
  metric   = "cpu_usage_ratio"
  above    = 0.5
  severity = "warning"
}`)
	e := New(s, rules)
	targets := []Target{
		vm("build1", Sample{"cpu_usage_ratio", 0.9, t0}), // default warning disabled for build*
		vm("db", Sample{"cpu_usage_ratio", 0.6, t0}),     // 0.5 override
		vm("web", Sample{"cpu_usage_ratio", 0.85, t0}),   // default 0.80
	}
	got := whats(e.Evaluate(t0, targets))
	want := "db-cpu:pending,db-cpu:firing,cpu-vm:pending,cpu-vm:firing"
	if got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestFlappingIsHeldWithOneNotification(t *testing.T) {
	s, rules := parseRules(t, `alerts { defaults = false }
alert_rule "cpu" {
  metric = "cpu_usage_ratio"
  above  = 0.8
}`)
	e := New(s, rules)
	var all []string
	for i := 0; i < 12; i++ {
		now := t0.Add(time.Duration(i) * 20 * time.Second)
		v := 0.9
		if i%2 == 1 {
			v = 0.1
		}
		for _, ev := range e.Evaluate(now, []Target{vm("1", Sample{"cpu_usage_ratio", v, now})}) {
			if ev.What != "pending" {
				all = append(all, ev.What)
			}
		}
	}
	got := strings.Join(all, ",")
	if got != "firing,resolved,firing,resolved,flapping" {
		t.Fatalf("transitions %q", got)
	}
	// Quiet for the flap window: it resolves.
	now := t0.Add(10 * time.Minute)
	if got := whats(e.Evaluate(now, []Target{vm("1", Sample{"cpu_usage_ratio", 0.1, now})})); got != "cpu:resolved" {
		t.Fatalf("after quiet: %q", got)
	}
}

func TestObserveSourcesAndHold(t *testing.T) {
	e := New(config.DefaultAlertSettings, nil)
	st := vm("1")
	e.Evaluate(t0, []Target{st})
	c := Condition{Key: "task-failed/x", Kind: "task-failed", Resource: "1", Severity: "critical", Message: "backup failed"}
	if got := whats(e.Observe(t0, SourcePlatform, []Condition{c})); got != ":firing" {
		t.Fatal(got)
	}
	if got := whats(e.Observe(t0, SourcePlatform, []Condition{c})); got != "" {
		t.Fatal("unchanged condition emitted", got)
	}
	st.Stale = true
	e.Evaluate(t0, []Target{st})
	if got := whats(e.Observe(t0, SourcePlatform, nil)); got != "" {
		t.Fatalf("stale resource's alert resolved: %q", got)
	}
	st.Stale = false
	e.Evaluate(t0, []Target{st})
	if got := whats(e.Observe(t0, SourcePlatform, nil)); got != ":resolved" {
		t.Fatal(got)
	}
}

func TestAckSilenceAndPersistence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pulse.db")
	sqldb, err := database.Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(ctx, sqldb)
	if err != nil {
		t.Fatal(err)
	}
	s, rules := parseRules(t, `alerts { defaults = false }
alert_rule "cpu" {
  metric = "cpu_usage_ratio"
  above  = 0.8
}`)
	e := New(s, rules)
	evs := e.Evaluate(t0, []Target{vm("1", Sample{"cpu_usage_ratio", 0.9, t0})})
	if err := db.Record(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Acknowledge("nope", "ann", "", t0); err == nil {
		t.Fatal("ack of an unknown alert accepted")
	}
	ack, err := e.Acknowledge("rule/cpu/1", "ann", "looking", t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Record(ctx, ack); err != nil {
		t.Fatal(err)
	}
	sil := Silence{Matcher: Matcher{Resource: "1"}, EndsAt: t0.Add(time.Hour), CreatedBy: "ann"}
	if err := sil.Validate(t0); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSilence(ctx, &sil, t0); err != nil {
		t.Fatal(err)
	}
	if bad := (&Silence{EndsAt: t0.Add(time.Hour), CreatedBy: "x"}); bad.Validate(t0) == nil {
		t.Fatal("empty matcher accepted")
	}
	sqldb.Close()

	// A restart: the same alert is restored, acknowledged, and does not fire again.
	sqldb, _ = database.Open(path, 1)
	defer sqldb.Close()
	db, err = OpenDB(ctx, sqldb)
	if err != nil {
		t.Fatal(err)
	}
	active, err := db.LoadActive(ctx)
	if err != nil || len(active) != 1 || active[0].Ack == nil || active[0].Ack.By != "ann" {
		t.Fatalf("loaded %+v, %v", active, err)
	}
	e2 := New(s, rules)
	e2.Restore(active)
	sils, _ := db.Silences(ctx, t0)
	e2.SetSilences(sils)
	now := t0.Add(time.Minute)
	e2.SetClock(func() time.Time { return now })
	if got := whats(e2.Evaluate(now, []Target{vm("1", Sample{"cpu_usage_ratio", 0.95, now})})); got != "" {
		t.Fatalf("restored alert fired again: %q", got)
	}
	if a := e2.Active(); len(a) != 1 || !a[0].Silenced {
		t.Fatalf("active after restart = %+v, want one silenced", a)
	}
	evs = e2.Evaluate(now.Add(time.Minute), []Target{vm("1", Sample{"cpu_usage_ratio", 0.1, now.Add(time.Minute)})})
	if whats(evs) != "cpu:resolved" {
		t.Fatalf("got %q", whats(evs))
	}
	_ = db.Record(ctx, evs)
	h, err := db.History(ctx, HistoryFilter{AlertID: "rule/cpu/1"})
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for i := len(h) - 1; i >= 0; i-- {
		seq = append(seq, h[i].What)
	}
	if got := strings.Join(seq, ","); got != "pending,firing,ack,resolved" {
		t.Fatalf("history %q", got)
	}
	if n, _ := db.Prune(ctx, t0.Add(31*24*time.Hour), 30*24*time.Hour); n != 4 {
		t.Fatalf("pruned %d, want 4", n)
	}
}

func TestRuleValidationPositions(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{`alert_rule "x" {
  metric = "cpu_usage"
  above  = 1
}`, `rules.hcl:2:12: metric "cpu_usage" is not in the metric vocabulary`},
		{`alert_rule "x" {
  metric = "cpu_usage_ratio"
  above  = 0.8
  clear  = 0.9
}`, `rules.hcl:4:12: clear 0.9 is above the trigger 0.8`},
		{`alert_rule "x" {
  match  { type = "storage" }
  metric = "cpu_usage_ratio"
  above  = 0.8
}`, `metric cpu_usage_ratio does not apply to type storage`},
		{`route "r" {
  notifiers = ["nope"]
}`, `route "r" names notifier "nope", which is not configured`},
		{`notifier "webhook" "w" {
  url    = "http://x"
  preset = "slak"
}`, `rules.hcl:3:12: preset "slak" is not valid`},
	} {
		_, err := config.ParseBytes("rules.hcl", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}

// BenchmarkEvaluate10kResources evaluates every built-in rule over 10,000
// resources with 10 metrics each, values unchanged between cycles (a few
// hundred alerts firing): the steady state.
func BenchmarkEvaluate10kResources(b *testing.B) {
	e := New(config.DefaultAlertSettings, Compile(config.DefaultAlertSettings, nil))
	targets := make([]Target, 10000)
	for i := range targets {
		typ := []string{"vm", "system-container", "agent", "storage"}[i%4]
		cpu := 0.3
		if i%37 == 0 {
			cpu = 0.97
		}
		ms := []Sample{
			{"cpu_usage_ratio", cpu, t0}, {"cpu_cores", 4, t0}, {"memory_used_bytes", 3e9, t0}, {"memory_total_bytes", 4e9, t0},
			{"disk_used_bytes", 1e10, t0}, {"disk_total_bytes", 5e10, t0}, {"network_receive_bytes_total", 1e6, t0},
			{"network_transmit_bytes_total", 1e6, t0}, {"disk_read_bytes_total", 1e6, t0}, {"uptime_seconds", 1000, t0},
		}
		if typ == "storage" {
			ms = []Sample{{"storage_used_bytes", 9e11, t0}, {"storage_total_bytes", 1e12, t0}}
			for len(ms) < 10 {
				ms = append(ms, Sample{"storage_available_bytes", 1e11, t0})
			}
		}
		targets[i] = Target{ID: fmt.Sprintf("r%05d", i), Type: typ, Platform: "proxmox-pve", Connection: "lab",
			Name: fmt.Sprintf("res-%d", i), Metrics: ms, BackupAgeDays: 1}
	}
	firing := len(e.Evaluate(t0, targets))
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := t0.Add(time.Duration(i+1) * 10 * time.Second)
		b.StopTimer() // a new poll: same values, new sample times
		for j := range targets {
			for k := range targets[j].Metrics {
				targets[j].Metrics[k].Time = now
			}
		}
		b.StartTimer()
		before := cpuTime()
		evs := e.Evaluate(now, targets)
		cpu += cpuTime() - before
		if len(evs) != 0 {
			b.Fatalf("steady state emitted %d events", len(evs))
		}
	}
	b.StopTimer()
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/cycle")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/cycle")
	b.ReportMetric(float64(firing), "events-first-cycle")
}

func TestRestoredAlertOfAGoneResourceResolves(t *testing.T) {
	s, rules := parseRules(t, `alerts { defaults = false }
alert_rule "cpu" {
  metric = "cpu_usage_ratio"
  above  = 0.8
}`)
	e := New(s, rules)
	e.Restore([]Alert{
		{ID: "rule/cpu/gone", Source: SourceRule, Rule: "cpu", Resource: "gone", State: StateFiring, Severity: "warning", Since: t0},
		{ID: "rule/cpu/1", Source: SourceRule, Rule: "cpu", Resource: "1", State: StateFiring, Severity: "warning", Since: t0},
	})
	got := e.Evaluate(t0, []Target{vm("1", Sample{"cpu_usage_ratio", 0.9, t0})})
	if len(got) != 1 || got[0].Alert.ID != "rule/cpu/gone" || got[0].What != "resolved" {
		t.Fatalf("events %+v", got)
	}
	if a := e.Active(); len(a) != 1 || a[0].ID != "rule/cpu/1" {
		t.Fatalf("active %+v", a)
	}
}
