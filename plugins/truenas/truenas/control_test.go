package truenas_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/sdk"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
)

func TestExecute(t *testing.T) {
	// Started apps stay DEPLOYING for a while: the adapter must wait for
	// RUNNING before it reports success.
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{DeployDuration: 300 * time.Millisecond}, truenas.Options{})
	l.configure(nil)
	l.mustCollect()
	ctx := context.Background()
	for _, tc := range []struct {
		action, target, want string
		state                string
	}{
		{"restart", "app/plex", "state read back: RUNNING (was RUNNING)", "RUNNING"},
		{"start", "app/home-assistant", "state read back: RUNNING (was STOPPED)", "RUNNING"},
		{"stop", "app/nextcloud", "state read back: STOPPED (was RUNNING)", "STOPPED"},
		{"start", "app/immich", "state read back: RUNNING (was CRASHED)", "RUNNING"},
	} {
		msg, err := l.client.Execute(ctx, "nas", sdk.Action{Name: tc.action, Target: tc.target})
		if err != nil || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "SUCCESS") {
			t.Errorf("%s %s: %q %v", tc.action, tc.target, msg, err)
		}
		if got := l.fake.AppState(strings.TrimPrefix(tc.target, "app/")); got != tc.state {
			t.Errorf("%s: the fake says %s", tc.target, got)
		}
	}
	// A stop requested through Pulse is not "unexpected".
	snap := l.mustCollect()
	for _, a := range snap.Alerts {
		if a.Kind == "app-stopped-unexpectedly" || a.Kind == "app-crashed" {
			t.Errorf("alert after requested actions: %+v", a)
		}
	}
	for _, tc := range []struct{ name, action, target, has string }{
		{"unknown app", "restart", "app/nope", `there is no app named "nope"`},
		{"unknown action", "upgrade", "app/plex", `"upgrade" is not an action of truenas`},
		{"not an app", "restart", "pool/tank", "acts on apps (app/<name>), not on \"pool/tank\""},
	} {
		_, err := l.client.Execute(ctx, "nas", sdk.Action{Name: tc.action, Target: tc.target})
		if !errors.Is(err, sdk.ErrActionRefused) || !strings.Contains(err.Error(), tc.has) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestUnexpectedStop(t *testing.T) {
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{}, truenas.Options{})
	l.configure(nil)
	l.mustCollect()
	l.fake.Update(func(m *faketruenas.Model) []faketruenas.Change {
		for _, a := range m.Apps {
			if a["name"] == "plex" {
				a["state"] = "STOPPED"
			}
		}
		return nil
	})
	kinds := alertKinds(l.mustCollect())
	if kinds["app-stopped/plex"] != "app-stopped-unexpectedly|warning|app/plex" {
		t.Errorf("alerts: %v", kinds)
	}
}

// TestWatch follows collection_update events: an app started behind
// Pulse's back, a pool healed, an alert raised and dismissed.
func TestWatch(t *testing.T) {
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{RealtimeInterval: 100 * time.Millisecond}, truenas.Options{})
	l.configure(nil)
	l.mustCollect()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := make(chan string, 100)
	done := make(chan error, 1)
	go func() {
		done <- l.client.Watch(ctx, "nas", func(b *pb.Batch) error {
			for _, r := range b.Resources {
				batches <- "resource " + r.NativeId + " " + r.Status
			}
			for _, a := range b.Alerts {
				batches <- "alert " + a.NativeId
			}
			for _, c := range b.ClearedAlerts {
				batches <- "cleared " + c
			}
			for _, m := range b.Metrics {
				batches <- "metric " + m.Resource + " " + m.Name
			}
			return nil
		})
	}()
	// Wait for the subscriptions.
	for deadline := time.Now().Add(3 * time.Second); l.fake.Calls("core.subscribe") < 4; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("watch did not subscribe")
		}
	}
	expect := func(want ...string) {
		t.Helper()
		got := map[string]bool{}
		timeout := time.After(3 * time.Second)
		for {
			missing := false
			for _, w := range want {
				if !got[w] {
					missing = true
				}
			}
			if !missing {
				return
			}
			select {
			case s := <-batches:
				got[s] = true
			case <-timeout:
				select {
				case err := <-done:
					t.Fatalf("want %v, got %v; watch ended: %v", want, got, err)
				default:
				}
				t.Fatalf("want %v, got %v", want, got)
			}
		}
	}
	// CPU and memory in use arrive as reporting.realtime events.
	host := "host/5f0c1e9a2b7d4c38a6e1f09b3d2c7a4e8b1f6d0c9e2a7b3c4d5e6f708192a3b4"
	expect("metric "+host+" cpu_usage_ratio", "metric "+host+" memory_used_bytes", "metric "+host+" memory_usage_ratio")
	l.fake.Update(func(m *faketruenas.Model) []faketruenas.Change {
		for _, a := range m.Apps {
			if a["name"] == "immich" {
				a["state"] = "RUNNING"
				return []faketruenas.Change{{Collection: "app.query", ID: "immich", Msg: "changed", Fields: a}}
			}
		}
		return nil
	})
	expect("resource app/immich running", "cleared app-crashed/immich")
	l.fake.Update(func(m *faketruenas.Model) []faketruenas.Change {
		m.Pools[0]["status"] = "ONLINE"
		m.Pools[0]["status_detail"] = nil
		return []faketruenas.Change{{Collection: "pool.query", ID: 1, Msg: "changed"}}
	})
	expect("resource pool/tank online", "cleared pool-degraded/tank")
	l.fake.Update(func(m *faketruenas.Model) []faketruenas.Change {
		m.Alerts = append(m.Alerts, map[string]any{"uuid": "new-1", "klass": "ScrubFinished", "level": "INFO", "text": "scrub done",
			"formatted": "Scrub of pool tank finished", "args": map[string]any{"pool": "tank"}, "datetime": map[string]any{"$date": 1796040000000}, "dismissed": false})
		m.Alerts[0]["dismissed"] = true
		return []faketruenas.Change{{Collection: "alert.list", ID: "new-1", Msg: "added"}}
	})
	expect("alert truenas-alert/new-1", "cleared truenas-alert/0b9d8c41-aaaa-4b5c-9c1e-000000000001")

	// The next poll carries the latest realtime sample too.
	var cpu bool
	for _, m := range l.mustCollect().Metrics {
		cpu = cpu || (m.Name == "cpu_usage_ratio" && m.Value > 0.1 && m.Value < 0.2)
	}
	if !cpu {
		t.Error("collect after realtime events has no cpu_usage_ratio")
	}

	// The socket dropping ends Watch with an error (the core keeps polling
	// and calls Watch again).
	l.fake.SetFault("app.query", faketruenas.Fault{Drop: true, Times: 1})
	_, _ = l.collect()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "connection lost") {
			t.Errorf("watch ended with %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("watch did not notice the dropped socket")
	}
}
