package truenas_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
)

// TestFaults drives every fault the issue names through the real gRPC
// boundary: each leaves a clear error, no crash, and the next poll works;
// at the end no goroutine is left behind.
func TestFaults(t *testing.T) {
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{}, truenas.Options{})
	l.configureTimeout(nil, 400*time.Millisecond)
	l.mustCollect()
	baseline := runtime.NumGoroutine()

	for _, tc := range []struct {
		name   string
		fault  faketruenas.Fault
		method string
		has    []string
	}{
		{"socket dropped mid-call", faketruenas.Fault{Drop: true, Times: 1}, "pool.query", []string{"pool.query", "connection lost"}},
		{"server closes with an error", faketruenas.Fault{CloseStatus: websocket.StatusInternalError, CloseReason: "middlewared is restarting", Times: 1},
			"alert.list", []string{"status 1011", "middlewared is restarting"}},
		{"slow response", faketruenas.Fault{Delay: 1500 * time.Millisecond, Times: 1}, "app.query", []string{"app.query: no answer", "deadline exceeded"}},
		{"malformed frame", faketruenas.Fault{Malformed: true, Times: 1}, "disk.query", []string{"malformed frame", "not JSON"}},
		{"error answer", faketruenas.Fault{ErrName: "EFAULT", Reason: "zpool status timed out", Times: 1}, "pool.query", []string{"pool.query: EFAULT: zpool status timed out"}},
		{"unknown method", faketruenas.Fault{NoMethod: true, Times: 1}, "disk.temperatures", []string{"disk.temperatures: Method disk.temperatures not found (code -32601)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l.fake.SetFault(tc.method, tc.fault)
			start := time.Now()
			_, err := l.collect()
			if err == nil {
				t.Fatal("collect succeeded through the fault")
			}
			for _, h := range tc.has {
				if !strings.Contains(err.Error(), h) {
					t.Errorf("error %q lacks %q", err, h)
				}
			}
			if d := time.Since(start); d > 1200*time.Millisecond {
				t.Errorf("the failed collect took %s; the per-call timeout is 400ms", d)
			}
			l.fake.ClearFaults()
			// The next poll reconnects (when the socket went) and works.
			deadline := time.Now().Add(3 * time.Second)
			for {
				s, err := l.collect()
				if err == nil {
					if len(s.Resources) != 21 {
						t.Errorf("after recovery: %d resources, want 21", len(s.Resources))
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no recovery: %v", err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	if d := l.adapter.Stats("nas").Dials; d < 4 {
		t.Errorf("%d dials; dropped, closed and malformed sockets must each be dialled again", d)
	}

	// Closing the connection leaves no goroutine behind.
	_ = l.client.Close(context.Background(), "nas")
	waitGoroutines(t, baseline)
}

// waitGoroutines fails when the goroutine count does not fall back to at
// most baseline (the socket's reader, now gone, was counted in it).
func waitGoroutines(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: %d, baseline %d\n%s", runtime.NumGoroutine(), baseline, buf[:n])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBadKey(t *testing.T) {
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{}, truenas.Options{})
	l.configure(map[string]any{"api_key": "1-wrong"})
	rep, err := l.client.Check(context.Background(), "nas")
	if err != nil || rep.OK() || len(rep.Checks) != 1 || rep.Checks[0].Name != "login" ||
		!strings.Contains(rep.Checks[0].Message, "api key refused") {
		t.Fatalf("check: %v %+v", err, rep)
	}
	_, err = l.collect()
	if err == nil || !strings.Contains(err.Error(), "api key refused") {
		t.Fatalf("collect: %v", err)
	}
	for deadline := time.Now().Add(2 * time.Second); l.fake.Sockets() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d sockets left open after a refused login", l.fake.Sockets())
		}
	}
}

func TestMissingRoleIsNamed(t *testing.T) {
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{Roles: []string{"POOL_READ", "DATASET_READ", "DISK_READ",
		"REPLICATION_TASK_READ", "CLOUD_SYNC_READ", "ALERT_LIST_READ", "APPS_READ"}}, truenas.Options{})
	l.configure(nil)
	rep, err := l.client.Check(context.Background(), "nas")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range rep.Checks {
		if c.Name == "snapshots" {
			found = !c.OK && c.MissingPrivilege == "SNAPSHOT_READ" && strings.Contains(c.Message, "EACCES")
		} else if !c.OK {
			t.Errorf("check %s failed: %s", c.Name, c.Message)
		}
	}
	if !found {
		t.Errorf("the snapshots check does not name SNAPSHOT_READ: %+v", rep.Checks)
	}
	if _, err := l.collect(); err == nil || !strings.Contains(err.Error(), "needs the SNAPSHOT_READ role") {
		t.Errorf("collect: %v", err)
	}
	// Control needs APPS_WRITE, and says so.
	_, err = l.client.Execute(context.Background(), "nas", sdk.Action{Name: "restart", Target: "app/plex"})
	if err == nil || !strings.Contains(err.Error(), "APPS_WRITE") {
		t.Errorf("execute without APPS_WRITE: %v", err)
	}
}

func TestInsecureTransport(t *testing.T) {
	f := faketruenas.New(faketruenas.Generate(faketruenas.Spec{}), faketruenas.Options{})
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	defer f.Close()
	url := "ws://" + strings.TrimPrefix(srv.URL, "http://") + "/api/current"
	a := truenas.NewWithOptions(nil, truenas.Options{})
	raw, _ := json.Marshal(map[string]any{"endpoint": url, "api_key": faketruenas.DefaultAPIKey})
	err := a.Configure(context.Background(), sdk.Connection{Name: "nas", Config: raw, Timeout: time.Second})
	if !errors.Is(err, sdk.ErrInvalidConfig) || !strings.Contains(err.Error(), "allow_insecure_transport") {
		t.Fatalf("ws:// without allow_insecure_transport: %v", err)
	}
	if f.Calls("") != 0 {
		t.Fatal("the key was sent")
	}
	// Allowed by the operator: it is sent, and TrueNAS (the fake) revokes it.
	raw, _ = json.Marshal(map[string]any{"endpoint": url, "api_key": faketruenas.DefaultAPIKey, "allow_insecure_transport": true})
	if err := a.Configure(context.Background(), sdk.Connection{Name: "nas", Config: raw, Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	rep, _ := a.Check(context.Background(), "nas")
	if rep.OK() || !f.Revoked() {
		t.Errorf("a key over ws:// must be revoked by the server: %+v", rep)
	}
	_ = a.Close(context.Background(), "nas")
}

func TestFailingJob(t *testing.T) {
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{}, truenas.Options{})
	l.configure(nil)
	l.fake.FailJobsFor("plex", "image pull failed: manifest unknown")
	_, err := l.client.Execute(context.Background(), "nas", sdk.Action{Name: "restart", Target: "app/plex"})
	if err == nil || !strings.Contains(err.Error(), "FAILED") || !strings.Contains(err.Error(), "manifest unknown") {
		t.Fatalf("execute: %v", err)
	}
	if errors.Is(err, sdk.ErrActionRefused) {
		t.Error("a failed job is a failure, not a refusal")
	}
	snap := l.mustCollect()
	if r := find(snap, "app/plex"); r == nil || r.Status != "degraded" {
		t.Errorf("plex after the failed job: %+v", r)
	}
}
