package pve_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// TestFaults injects each failure into a cycle after a good one: Collect
// must return a clear error and emit nothing (so the core deletes nothing),
// and the next cycle after the fault clears must succeed again.
func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		fault      fakepve.Fault
		want       string
	}{
		{"401", "", fakepve.Fault{Status: 401, Message: "invalid token value!"}, "authentication failed"},
		{"403 cluster status", "/cluster/status", fakepve.Fault{Status: 403, Message: "Permission check failed (/, Sys.Audit)"}, "lacks the Sys.Audit privilege"},
		{"500 resources", "/cluster/resources", fakepve.Fault{Status: 500, Message: "cfs-lock error"}, "500 cfs-lock error"},
		{"503 everywhere", "", fakepve.Fault{Status: 503, Message: "Service Unavailable"}, "503"},
		{"timeout", "/cluster/resources", fakepve.Fault{Delay: 2 * time.Second}, "timed out"},
		{"malformed json", "/cluster/resources", fakepve.Fault{Body: `{"data":[{"id":"node/pve01",}]}`}, "malformed response"},
		{"truncated json", "/cluster/status", fakepve.Fault{Truncate: true}, "malformed response"},
		{"wrong shape", "/cluster/resources", fakepve.Fault{Body: `{"data":{"id":"x"}}`}, "malformed response"},
		{"ceph 500", "/cluster/ceph/status", fakepve.Fault{Status: 500, Message: "got timeout"}, "read ceph status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, small(), pve.Options{}, fakepve.Options{})
			l.configureTimeout("lab", tokenConfig(l.member.URL()), 300*time.Millisecond)
			good := l.mustCollect("lab")
			l.fake.SetFault(tc.path, tc.fault)
			snap, err := l.collect("lab")
			if err == nil {
				t.Fatalf("collect succeeded under fault")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if n := records(snap); n != 0 {
				t.Errorf("a failed collect emitted %d records", n)
			}
			l.fake.ClearFaults()
			if again := l.mustCollect("lab"); records(again) != records(good) {
				t.Errorf("after recovery %d records, before %d", records(again), records(good))
			}
		})
	}
}

// TestFirstSlowPassFailureFails: with no earlier result, a failed slow read
// on an online node fails the cycle rather than emit a snapshot without the
// node's disks; with an earlier result it is kept.
func TestSlowReadFailures(t *testing.T) {
	l := newLab(t, small(), pve.Options{SlowCycles: 1}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	l.fake.SetFault("/nodes/{node}/disks/list", fakepve.Fault{Status: 500, Message: "smartctl failed"})
	if _, err := l.collect("lab"); err == nil || !strings.Contains(err.Error(), "read disks of node") {
		t.Fatalf("first collect error = %v", err)
	}
	l.fake.ClearFaults()
	good := l.mustCollect("lab")
	l.fake.SetFault("/nodes/{node}/disks/list", fakepve.Fault{Status: 500, Message: "smartctl failed"})
	kept := l.mustCollect("lab")
	if records(kept) != records(good) {
		t.Errorf("kept %d records, want %d", records(kept), records(good))
	}
}

// TestNodeOfflineMidCycle takes a node down between the reads of one cycle.
func TestNodeOfflineMidCycle(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after string // the template after which the node goes down
	}{
		{"after cluster status", "/cluster/status"},
		{"during slow pass", "/cluster/ceph/status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, small(), pve.Options{SlowCycles: 1}, fakepve.Options{})
			l.configure("lab", tokenConfig(l.member.URL()))
			before := l.mustCollect("lab")
			var once sync.Once
			armed := make(chan struct{})
			l.fake.OnResponse(func(r fakepve.Response) {
				select {
				case <-armed:
				default:
					return
				}
				if r.Template == tc.after {
					once.Do(func() { go l.fake.Update(func(c *fakepve.Cluster) { c.Node("pve02").Online = false }) })
				}
			})
			close(armed)
			// The update runs asynchronously to the hook; poll until the
			// node is seen offline.
			deadline := time.Now().Add(5 * time.Second)
			var snap = before
			for time.Now().Before(deadline) {
				s, err := l.collect("lab")
				if err != nil {
					t.Fatalf("collect with a node going down: %v", err)
				}
				snap = s
				if n := find(s, "node/pve02"); n != nil && n.Status == "offline" {
					break
				}
			}
			if n := find(snap, "node/pve02"); n == nil || n.Status != "offline" {
				t.Fatalf("node/pve02 = %+v", n)
			}
			var alert bool
			for _, a := range snap.Alerts {
				alert = alert || a.NativeId == "node-offline/pve02"
			}
			if !alert {
				t.Error("no node-offline alert")
			}
			if g := find(snap, "101"); g == nil || g.Status != "unknown" {
				t.Errorf("guest 101 on the offline node = %+v", g)
			}
			// Its disks stay, from the last slow pass, with unknown status.
			if d := find(snap, "disk/pve02/S5GXNF0R000003"); d == nil || d.Status != "unknown" {
				t.Errorf("disk of the offline node = %+v", d)
			}
			if len(snap.Resources) != len(before.Resources) {
				t.Errorf("resources %d -> %d: nothing may disappear", len(before.Resources), len(snap.Resources))
			}
		})
	}
}

// deadMember accepts connections and closes them at once: a member that is
// down in the worst way (TCP up, no service), counting attempts.
func deadMember(t *testing.T) (string, func() int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return "https://" + ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func TestFailover(t *testing.T) {
	l := newLab(t, small(), pve.Options{}, fakepve.Options{})
	dead, attempts := deadMember(t)
	l.configure("lab", tokenConfig(dead, l.member.URL()))
	snap := l.mustCollect("lab")
	if find(snap, "node/pve01") == nil {
		t.Fatal("no data through the second member")
	}
	first := attempts()
	if first == 0 {
		t.Fatal("the first member was never tried")
	}
	l.mustCollect("lab")
	if attempts() != first {
		t.Errorf("the dead member was tried again (%d -> %d): the last good member is not remembered", first, attempts())
	}
	rep, err := l.client.Check(context.Background(), "lab")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Name == "endpoints" && (!c.OK || !strings.Contains(c.Message, "1 of 2") || !strings.Contains(c.Message, dead)) {
			t.Errorf("endpoints check = %+v", c)
		}
	}

	// Closed ports (connection refused) fail over too; all down is an error
	// naming every member.
	m2, err := l.fake.Start()
	if err != nil {
		t.Fatal(err)
	}
	url2 := m2.URL()
	m2.Close()
	l.configure("both-down", tokenConfig(url2, dead))
	if _, err := l.collect("both-down"); err == nil || !strings.Contains(err.Error(), "all 2 endpoints failed") {
		t.Errorf("all members down: %v", err)
	}
	l.configure("refused-first", tokenConfig(url2, l.member.URL()))
	l.mustCollect("refused-first")
}

func TestTicketAuth(t *testing.T) {
	l := newLab(t, small(), pve.Options{}, fakepve.Options{})
	cfg := map[string]any{"endpoints": []string{l.member.URL()}, "username": fakepve.DefaultUsername, "password": fakepve.DefaultPassword}
	l.configure("lab", cfg)
	l.mustCollect("lab")
	l.mustCollect("lab")
	if logins, renewals := l.fake.Logins(); logins != 1 || renewals != 0 {
		t.Fatalf("logins %d renewals %d, want 1 and 0", logins, renewals)
	}
	l.clock.Advance(61 * time.Minute) // renew before the 2 h expiry
	l.mustCollect("lab")
	if logins, renewals := l.fake.Logins(); logins != 1 || renewals != 1 {
		t.Fatalf("after an hour: logins %d renewals %d, want 1 and 1", logins, renewals)
	}
	l.clock.Advance(3 * time.Hour) // the ticket has expired: log in again
	l.mustCollect("lab")
	if logins, _ := l.fake.Logins(); logins != 2 {
		t.Fatalf("after expiry: logins %d, want 2", logins)
	}
	cfg["password"] = "wrong"
	l.configure("bad", cfg)
	if _, err := l.collect("bad"); err == nil || !strings.Contains(err.Error(), "login as root@pam") {
		t.Errorf("bad password: %v", err)
	}
}

func TestCheck(t *testing.T) {
	type want struct {
		name, priv string
		ok         bool
	}
	token := func(u string) map[string]any { return tokenConfig(u) }
	for _, tc := range []struct {
		name   string
		privs  []string
		cfg    func(url string) map[string]any
		expect []want
	}{
		{"token ok", nil, token, []want{{"auth", "", true}, {"endpoints", "", true}, {"version", "", true},
			{"cluster/status", "", true}, {"cluster/resources", "", true}, {"storage", "", true}, {"disks", "", true}, {"ceph", "", true}}},
		{"password ok", nil, func(u string) map[string]any {
			return map[string]any{"endpoints": []string{u}, "username": fakepve.DefaultUsername, "password": fakepve.DefaultPassword}
		}, []want{{"auth", "", true}, {"cluster/resources", "", true}}},
		{"wrong secret", nil, func(u string) map[string]any {
			c := tokenConfig(u)
			c["token_secret"] = "nope"
			return c
		}, []want{{"auth", "", false}}},
		{"no Sys.Audit", []string{"VM.Audit", "Datastore.Audit"}, token, []want{{"cluster/status", "Sys.Audit", false},
			{"cluster/resources", "Sys.Audit", false}, {"ceph", "", true}}},
		{"no Datastore.Audit", []string{"Sys.Audit", "VM.Audit"}, token, []want{{"cluster/status", "", true},
			{"storage", "Datastore.Audit", false}}},
		{"no VM.Audit", []string{"Sys.Audit", "Datastore.Audit"}, token, []want{{"cluster/resources", "VM.Audit", false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, small(), pve.Options{}, fakepve.Options{Privileges: tc.privs})
			l.configure("lab", tc.cfg(l.member.URL()))
			rep, err := l.client.Check(context.Background(), "lab")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]sdk.SubCheck{}
			for _, c := range rep.Checks {
				got[c.Name] = c
			}
			for _, w := range tc.expect {
				c, ok := got[w.name]
				if !ok || c.OK != w.ok || c.MissingPrivilege != w.priv {
					t.Errorf("%s = %+v (present %v), want ok=%v missing=%q; all %+v", w.name, c, ok, w.ok, w.priv, rep.Checks)
				}
			}
			if tc.name == "token ok" && (!rep.OK() || rep.EndpointVersion != "9.0.3") {
				t.Errorf("report = %+v", rep)
			}
		})
	}
}

func TestCheckWithoutCeph(t *testing.T) {
	l := newLab(t, fakepve.Generate(fakepve.Spec{Nodes: 1, Guests: 2}), pve.Options{}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	rep, err := l.client.Check(context.Background(), "lab")
	if err != nil || !rep.OK() {
		t.Fatalf("check = %+v, %v", rep, err)
	}
	for _, c := range rep.Checks {
		if c.Name == "ceph" {
			t.Errorf("a ceph sub-check on a cluster without Ceph: %+v", c)
		}
	}
}

func TestExecuteRefused(t *testing.T) {
	l := newLab(t, small(), pve.Options{}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	_, err := l.client.Execute(context.Background(), "lab", sdk.Action{Name: "start", Target: "100"})
	if !errors.Is(err, sdk.ErrActionRefused) || !strings.Contains(err.Error(), "augmentation-only") || !strings.Contains(err.Error(), "pulse-agent") {
		t.Errorf("execute = %v", err)
	}
}

func TestConfigureRejects(t *testing.T) {
	l := newLab(t, small(), pve.Options{}, fakepve.Options{})
	for _, tc := range []struct {
		name string
		cfg  map[string]any
		want string
	}{
		{"no endpoints", map[string]any{"endpoints": []string{}, "token_id": "a@pve!b", "token_secret": "s"}, "at least one"},
		{"http", map[string]any{"endpoints": []string{"http://pve1:8006"}, "token_id": "a@pve!b", "token_secret": "s"}, "https"},
		{"both auths", map[string]any{"endpoints": []string{"pve1"}, "token_id": "a@pve!b", "token_secret": "s", "username": "root@pam", "password": "p"}, "not both"},
		{"no auth", map[string]any{"endpoints": []string{"pve1"}}, "token_id and token_secret"},
		{"bad token id", map[string]any{"endpoints": []string{"pve1"}, "token_id": "monitor", "token_secret": "s"}, "user@realm!tokenid"},
		{"user without realm", map[string]any{"endpoints": []string{"pve1"}, "username": "root", "password": "p"}, "root@pam"},
		{"unknown attribute", map[string]any{"endpoints": []string{"pve1"}, "token_id": "a@pve!b", "token_secret": "s", "verify": true}, "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := jsonMarshal(tc.cfg)
			err := l.client.Configure(context.Background(), sdk.Connection{Name: "x", Config: raw})
			if !errors.Is(err, sdk.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("configure = %v, want invalid config saying %q", err, tc.want)
			}
		})
	}
	if _, err := l.collect("never-configured"); !errors.Is(err, sdk.ErrUnknownConnection) {
		t.Errorf("collect of an unknown connection = %v", err)
	}
}

func TestTLS(t *testing.T) {
	l := newLab(t, small(), pve.Options{}, fakepve.Options{})
	cert, err := l.fake.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tls  sdk.TLSConfig
		want string // "" means the cycle succeeds
	}{
		{"pinned fingerprint", l.tls, ""},
		{"ca file", sdk.TLSConfig{CAPEM: fakepve.CertPEM(cert)}, ""},
		{"wrong pin", sdk.TLSConfig{Fingerprint: strings.Repeat("AB:", 31) + "AB"}, "does not match the pinned"},
		{"system roots", sdk.TLSConfig{}, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := jsonMarshal(tokenConfig(l.member.URL()))
			if err := l.client.Configure(context.Background(), sdk.Connection{Name: tc.name, Config: raw, TLS: tc.tls}); err != nil {
				t.Fatal(err)
			}
			_, err := l.collect(tc.name)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("collect: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("collect error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
