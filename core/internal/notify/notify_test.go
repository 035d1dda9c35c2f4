package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	"github.com/pulsehost/pulse/core/internal/database"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// received is one request a receiver got.
type received struct {
	path    string
	header  http.Header
	body    []byte
	decoded map[string]any
}

// receiver is a real HTTP server that records requests and answers with
// the statuses given in order (then 200).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		rec := received{path: req.URL.Path, header: req.Header.Clone(), body: b}
		_ = json.Unmarshal(b, &rec.decoded)
		r.mu.Lock()
		status := 200
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		if status == 200 {
			r.got = append(r.got, rec)
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func parseNotifiers(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, err := config.ParseBytes("n.hcl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newService(t *testing.T, cfg *config.Config) *Service {
	t.Helper()
	senders, err := Senders(cfg.Notifiers)
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(filepath.Join(t.TempDir(), "pulse.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o, err := OpenOutbox(context.Background(), db, senders, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	return NewService(o, cfg.Routes, hclog.NewNullLogger())
}

func firingEvent() alerts.Event {
	fired := t0
	a := alerts.Alert{ID: "rule/memory-vm/pve/lab/100", Source: "rule", Rule: "memory-vm", Resource: "pve/lab/100",
		ResourceName: "web01", ResourceType: "vm", Platform: "proxmox-pve", Connection: "lab", Metric: "memory_usage_ratio",
		Value: 0.91, Threshold: 0.85, Severity: "critical", State: alerts.StateFiring, Message: "vm web01: memory 91% above 85%",
		Since: t0, FiredAt: &fired}
	return alerts.Event{ID: a.ID + "#firing@1", At: t0, From: alerts.StatePending, To: alerts.StateFiring, What: "firing", Alert: a}
}

func deliverAll(t *testing.T, s *Service) {
	t.Helper()
	for {
		n, err := s.Outbox.DeliverDue(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// TestPresetsPostTheDocumentedShapes sends one firing alert through each
// preset to a real HTTP receiver and checks the fields each service's
// incoming-webhook API requires.
func TestPresetsPostTheDocumentedShapes(t *testing.T) {
	type check func(t *testing.T, r received)
	has := func(keys ...string) check {
		return func(t *testing.T, r received) {
			for _, k := range keys {
				cur := any(r.decoded)
				for _, p := range strings.Split(k, ".") {
					switch c := cur.(type) {
					case map[string]any:
						cur = c[p]
					case []any:
						if len(c) == 0 {
							cur = nil
						} else {
							cur = c[0].(map[string]any)[p]
						}
					}
				}
				if cur == nil || cur == "" {
					t.Errorf("payload lacks %s: %s", k, r.body)
				}
			}
		}
	}
	for _, tc := range []struct {
		preset, extra string
		check         check
	}{
		{"", `secret = "s3cret"`, func(t *testing.T, r received) {
			has("event_id", "alert.id", "alert.message", "resource.name", "severity", "state", "alert.since")(t, r)
			m := hmac.New(sha256.New, []byte("s3cret"))
			m.Write(r.body)
			if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); r.header.Get(HeaderSignature) != want {
				t.Errorf("signature %q, want %q", r.header.Get(HeaderSignature), want)
			}
		}},
		{"slack", "", has("text", "attachments.color", "attachments.text")},
		{"mattermost", "", has("text", "attachments.title")},
		{"discord", "", has("content", "embeds.title", "embeds.description", "embeds.color")},
		{"teams", "", func(t *testing.T, r received) {
			has("type", "attachments.contentType", "attachments.content.body")(t, r)
			if r.decoded["attachments"].([]any)[0].(map[string]any)["contentType"] != "application/vnd.microsoft.card.adaptive" {
				t.Errorf("not an adaptive card: %s", r.body)
			}
		}},
		{"telegram", `chat_id = "-1001"`, func(t *testing.T, r received) {
			has("chat_id", "text")(t, r)
		}},
		{"ntfy", `token = "tk"`, func(t *testing.T, r received) {
			if r.header.Get("Title") == "" || r.header.Get("Priority") != "urgent" || r.header.Get("Authorization") != "Bearer tk" || len(r.body) == 0 {
				t.Errorf("ntfy headers %v body %q", r.header, r.body)
			}
		}},
		{"gotify", `token = "app"`, func(t *testing.T, r received) {
			has("title", "message", "priority")(t, r)
			if r.header.Get("X-Gotify-Key") != "app" {
				t.Error("no X-Gotify-Key")
			}
		}},
		{"pushover", `
  user_key  = "u"
  app_token = "a"`, has("token", "user", "title", "message")},
		{"pagerduty", `routing_key = "rk"`, func(t *testing.T, r received) {
			has("routing_key", "event_action", "dedup_key", "payload.summary", "payload.source", "payload.severity")(t, r)
			if r.decoded["event_action"] != "trigger" {
				t.Errorf("event_action %v", r.decoded["event_action"])
			}
		}},
	} {
		name := tc.preset
		if name == "" {
			name = "generic"
		}
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t)
			preset := ""
			if tc.preset != "" {
				preset = `preset = "` + tc.preset + `"`
			}
			s := newService(t, parseNotifiers(t, `notifier "webhook" "hook" {
  url = "`+rc.URL+`/hook"
  `+preset+`
  `+tc.extra+`
}`))
			items := s.Items([]alerts.Event{firingEvent()})
			if len(items) != 1 {
				t.Fatalf("items = %d", len(items))
			}
			if _, err := s.Outbox.Enqueue(context.Background(), items); err != nil {
				t.Fatal(err)
			}
			deliverAll(t, s)
			got := rc.all()
			if len(got) != 1 {
				t.Fatalf("receiver got %d requests", len(got))
			}
			if got[0].header.Get(HeaderEventID) != firingEvent().ID {
				t.Errorf("event id header %q", got[0].header.Get(HeaderEventID))
			}
			tc.check(t, got[0])
		})
	}
}

func TestPagerDutyResolveUsesTheDedupKey(t *testing.T) {
	rc := newReceiver(t)
	s := newService(t, parseNotifiers(t, `notifier "webhook" "pd" {
  url         = "`+rc.URL+`"
  preset      = "pagerduty"
  routing_key = "rk"
}`))
	ev := firingEvent()
	res := ev
	res.ID, res.What, res.From, res.To = ev.Alert.ID+"#resolved@2", "resolved", alerts.StateFiring, alerts.StateResolved
	res.Alert.State = alerts.StateResolved
	_, _ = s.Outbox.Enqueue(context.Background(), s.Items([]alerts.Event{ev, res}))
	deliverAll(t, s)
	got := rc.all()
	if len(got) != 2 || got[1].decoded["event_action"] != "resolve" || got[1].decoded["dedup_key"] != got[0].decoded["dedup_key"] {
		t.Fatalf("got %d requests: %v", len(got), got)
	}
}

func TestRetriesThenDeliversAndDeadLetters(t *testing.T) {
	rc := newReceiver(t, 503, 500)
	bad := newReceiver(t, 400)
	s := newService(t, parseNotifiers(t, `
notifier "webhook" "flaky" { url = "`+rc.URL+`" }
notifier "webhook" "broken" { url = "`+bad.URL+`" }`))
	clock := t0
	s.Outbox.now = func() time.Time { return clock }
	ctx := context.Background()
	if _, err := s.Outbox.Enqueue(ctx, s.Items([]alerts.Event{firingEvent()})); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		deliverAll(t, s)
		clock = clock.Add(BackoffMax + time.Second)
	}
	if n := len(rc.all()); n != 1 {
		t.Fatalf("flaky receiver got %d deliveries, want exactly 1", n)
	}
	ds, _ := s.Outbox.Deliveries(ctx, DeliveryFilter{AlertID: firingEvent().Alert.ID})
	states := map[string]Delivery{}
	for _, d := range ds {
		states[d.Channel] = d
	}
	if d := states["flaky"]; d.State != StateDone || len(d.Attempts) != 3 || d.Attempts[0].OK || !d.Attempts[2].OK {
		t.Fatalf("flaky trace %+v", d)
	}
	if d := states["broken"]; d.State != StateDead || !strings.Contains(d.LastError, "HTTP 400") || len(d.Attempts) != 1 {
		t.Fatalf("broken trace %+v", d)
	}
	if b := Backoff(30); b > BackoffMax*12/10 || b < BackoffMax*8/10 {
		t.Fatalf("backoff not capped: %s", b)
	}
}

func TestRateLimitDefersWithoutFailing(t *testing.T) {
	rc := newReceiver(t)
	s := newService(t, parseNotifiers(t, `notifier "webhook" "w" {
  url = "`+rc.URL+`"
  rate_limit_per_minute = 2
}`))
	clock := t0
	s.Outbox.now = func() time.Time { return clock }
	for i := 0; i < 5; i++ { // five cycles, so nothing groups
		ev := firingEvent()
		ev.ID += string(rune('a' + i))
		_, _ = s.Outbox.Enqueue(context.Background(), s.Items([]alerts.Event{ev}))
	}
	deliverAll(t, s)
	if n := len(rc.all()); n != 2 {
		t.Fatalf("delivered %d in the first instant, want 2 (the limit)", n)
	}
	clock = clock.Add(2 * time.Minute)
	deliverAll(t, s)
	if n := len(rc.all()); n != 4 {
		t.Fatalf("delivered %d after 2 minutes, want 4", n)
	}
}

func TestTestGoesThroughTheOutbox(t *testing.T) {
	rc := newReceiver(t)
	s := newService(t, parseNotifiers(t, `notifier "webhook" "w" { url = "`+rc.URL+`" }`))
	d, err := s.Test(context.Background(), "w", t0)
	if err != nil || d.State != StateDone || len(rc.all()) != 1 || d.Kind != "test" {
		t.Fatalf("test delivery %+v, %v, %d received", d, err, len(rc.all()))
	}
	if _, err := s.Test(context.Background(), "nope", t0); !errors.Is(err, ErrUnknownNotifier) {
		t.Fatalf("unknown notifier: %v", err)
	}
}

func TestRoutingAndRepeats(t *testing.T) {
	crit, all := newReceiver(t), newReceiver(t)
	s := newService(t, parseNotifiers(t, `
notifier "webhook" "pager" { url = "`+crit.URL+`" }
notifier "webhook" "chat" { url = "`+all.URL+`" }
route "critical" {
  match { severity = ["critical"] }
  notifiers = ["pager"]
  repeat_interval = "1h"
  send_resolved = false
}
route "everything" {
  notifiers = ["chat"]
}`))
	ctx := context.Background()
	ev := firingEvent()
	warn := firingEvent()
	warn.ID, warn.Alert.ID, warn.Alert.Severity = "w#1", "w", "warning"
	_, _ = s.Outbox.Enqueue(ctx, s.Items([]alerts.Event{ev, warn}))
	deliverAll(t, s)
	if len(crit.all()) != 1 || len(all.all()) != 2 {
		t.Fatalf("pager %d, chat %d", len(crit.all()), len(all.all()))
	}
	// An hour later, unacknowledged: one repeat to the pager; acknowledged: none.
	a := ev.Alert
	if err := s.Tick(ctx, time.Now().Add(time.Hour+time.Minute), []alerts.Alert{a}); err != nil {
		t.Fatal(err)
	}
	deliverAll(t, s)
	if got := crit.all(); len(got) != 2 || !strings.Contains(got[1].decoded["title"].(string), "STILL") {
		t.Fatalf("pager after repeat: %d", len(got))
	}
	a.Ack = &alerts.Ack{By: "ann", At: t0}
	_ = s.Tick(ctx, time.Now().Add(3*time.Hour), []alerts.Alert{a})
	deliverAll(t, s)
	if len(crit.all()) != 2 {
		t.Fatal("acknowledged alert repeated")
	}
	res := ev
	res.ID, res.What, res.From, res.Alert.State = "r", "resolved", alerts.StateFiring, alerts.StateResolved
	_, _ = s.Outbox.Enqueue(ctx, s.Items([]alerts.Event{res}))
	deliverAll(t, s)
	if len(crit.all()) != 2 || len(all.all()) != 3 {
		t.Fatalf("resolved: pager %d (send_resolved=false), chat %d", len(crit.all()), len(all.all()))
	}
}

func TestEscalationAfterDelayOnce(t *testing.T) {
	first, second := newReceiver(t), newReceiver(t)
	s := newService(t, parseNotifiers(t, `
notifier "webhook" "chat" { url = "`+first.URL+`" }
notifier "webhook" "boss" { url = "`+second.URL+`" }
route "r" {
  notifiers      = ["chat"]
  escalate_after = "15m"
  escalate_to    = ["boss"]
}`))
	ctx := context.Background()
	ev := firingEvent()
	_, _ = s.Outbox.Enqueue(ctx, s.Items([]alerts.Event{ev}))
	a := ev.Alert
	for _, after := range []time.Duration{time.Minute, 16 * time.Minute, 20 * time.Minute} {
		if err := s.Tick(ctx, t0.Add(after), []alerts.Alert{a}); err != nil {
			t.Fatal(err)
		}
		deliverAll(t, s)
	}
	got := second.all()
	if len(first.all()) != 1 || len(got) != 1 || got[0].decoded["kind"] != "escalation" {
		t.Fatalf("chat %d, boss %d (%v)", len(first.all()), len(got), got)
	}
	// Acknowledged alerts do not escalate.
	a.ID, a.Ack = "other", &alerts.Ack{By: "ann", At: t0}
	_ = s.Tick(ctx, t0.Add(time.Hour), []alerts.Alert{a})
	deliverAll(t, s)
	if len(second.all()) != 1 {
		t.Fatal("acknowledged alert escalated")
	}
}

func TestAMassEventIsOneNotification(t *testing.T) {
	chat, pd := newReceiver(t), newReceiver(t)
	s := newService(t, parseNotifiers(t, `
notifier "webhook" "chat" { url = "`+chat.URL+`" }
notifier "webhook" "pd" {
  url         = "`+pd.URL+`"
  preset      = "pagerduty"
  routing_key = "rk"
}`))
	var evs []alerts.Event
	for _, name := range []string{"web01", "web02", "web03"} {
		ev := firingEvent()
		ev.ID, ev.Alert.ID, ev.Alert.ResourceName = ev.ID+name, ev.Alert.ID+name, name
		evs = append(evs, ev)
	}
	other := firingEvent()
	other.ID, other.Alert.ID, other.Alert.Rule = "x", "y", "cpu-vm"
	evs = append(evs, other)
	_, _ = s.Outbox.Enqueue(context.Background(), s.Items(evs))
	deliverAll(t, s)
	got := chat.all()
	if len(got) != 2 {
		t.Fatalf("chat got %d notifications, want 2 (one group of 3, one other rule)", len(got))
	}
	var grouped received
	for _, g := range got {
		if g.decoded["grouped"] != nil {
			grouped = g
		}
	}
	if n := len(grouped.decoded["grouped"].([]any)); n != 2 || !strings.Contains(grouped.decoded["title"].(string), "3 alerts (web01, web02, web03)") {
		t.Fatalf("grouped notification: %s", grouped.body)
	}
	if len(pd.all()) != 4 {
		t.Fatalf("pagerduty got %d events, want one per alert (4)", len(pd.all()))
	}
}
