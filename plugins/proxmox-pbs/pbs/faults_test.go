package pbs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/fakepbs"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/pbs"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// TestFaults injects each failure into a cycle after a good one: Collect
// returns a clear error and emits nothing (so the core deletes nothing), and
// the cycle after the fault clears succeeds again with the same records.
func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		fault      fakeapi.Fault
		want       string
	}{
		{"401", "", fakeapi.Fault{Status: 401, Message: "authentication failed - invalid token"}, "authentication failed"},
		{"403 status", "/nodes/{node}/status", fakeapi.Fault{Status: 403, Message: "permission check failed (/system/status, Sys.Audit)"}, "lacks the Sys.Audit privilege"},
		{"500 usage", "/status/datastore-usage", fakeapi.Fault{Status: 500, Message: "unable to open chunk store"}, "500 unable to open chunk store"},
		{"503 everywhere", "", fakeapi.Fault{Status: 503, Message: "Service Unavailable"}, "503"},
		{"595 groups", "/admin/datastore/{store}/groups", fakeapi.Fault{Status: 595, Message: "Connection timed out"}, "595"},
		{"timeout", "/admin/gc", fakeapi.Fault{Delay: 2 * time.Second}, "timed out"},
		{"malformed json", "/admin/verify", fakeapi.Fault{Body: `{"data":[{"id":"v1",}]}`}, "malformed response"},
		{"truncated json", "/admin/datastore/{store}/groups", fakeapi.Fault{Truncate: true}, "malformed response"},
		{"wrong shape", "/status/datastore-usage", fakeapi.Fault{Body: `{"data":{"store":"x"}}`}, "malformed response"},
		{"no envelope", "/nodes/{node}/tasks", fakeapi.Fault{Body: `[]`}, "malformed response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
			// A short timeout only where the fault is a timeout: on a loaded
			// machine (or under -race) the good cycles' TLS handshakes may
			// take longer than 300 ms.
			timeout := 20 * time.Second
			if tc.fault.Delay > 0 {
				timeout = 300 * time.Millisecond
			}
			l.configureTimeout("lab", tokenConfig(l.url), 20*time.Second)
			good := l.mustCollect("lab")
			l.configureTimeout("lab", tokenConfig(l.url), timeout)
			// A new backup makes the next cycle list snapshots too.
			l.fake.Update(func(s *fakepbs.Server) {
				g := s.Datastores[0].Groups[0]
				g.Snapshots = append(g.Snapshots, &fakepbs.Snapshot{Time: epoch.Unix() + 10, Size: 1, Files: []string{"index.json.blob"}})
			})
			l.fake.SetFault(tc.path, tc.fault)
			snap, err := l.collect("lab")
			if err == nil {
				t.Fatalf("collect succeeded under fault")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if n := snap.Records(); n != 0 {
				t.Errorf("a failed collect emitted %d records", n)
			}
			l.fake.ClearFaults()
			l.configureTimeout("lab", tokenConfig(l.url), 20*time.Second)
			again := l.mustCollect("lab")
			if again.Records() != good.Records()+1 {
				t.Errorf("after recovery %d records, before %d (+1 backup)", again.Records(), good.Records())
			}
		})
	}
}

func TestSnapshotListingFaults(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
	l.configure("lab", tokenConfig(l.url))
	l.fake.SetFault("/admin/datastore/{store}/snapshots", fakeapi.Fault{Status: 500, Message: "EIO"})
	if _, err := l.collect("lab"); err == nil || !strings.Contains(err.Error(), "list snapshots of") {
		t.Fatalf("first collect error = %v", err)
	}
	l.fake.ClearFaults()
	l.mustCollect("lab")
}

func TestTicketAuth(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
	l.configure("lab", map[string]any{"endpoint": l.url, "username": fakepbs.DefaultUsername, "password": fakepbs.DefaultPassword})
	l.mustCollect("lab")
	if logins, renewals := l.fake.Logins(); logins != 1 || renewals != 0 {
		t.Fatalf("logins %d renewals %d", logins, renewals)
	}
	l.clock.Advance(70 * time.Minute) // renewed before it expires
	l.mustCollect("lab")
	if logins, renewals := l.fake.Logins(); logins != 1 || renewals != 1 {
		t.Errorf("after an hour: logins %d renewals %d", logins, renewals)
	}
	l.fake.ExpireTickets() // the server forgot the ticket: 401, then a new login
	l.mustCollect("lab")
	if logins, _ := l.fake.Logins(); logins != 2 {
		t.Errorf("after a refused ticket: logins %d, want 2", logins)
	}
	l.configure("bad", map[string]any{"endpoint": l.url, "username": "root@pam", "password": "wrong"})
	if _, err := l.collect("bad"); err == nil || !strings.Contains(err.Error(), "login as root@pam") || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad password: %v", err)
	}
}

func TestCheck(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
	l.configure("lab", tokenConfig(l.url))
	rep, err := l.client.Check(context.Background(), "lab")
	if err != nil || !rep.OK() || rep.EndpointVersion != "4.2" {
		t.Fatalf("check = %+v, %v", rep, err)
	}
	names := map[string]bool{}
	for _, c := range rep.Checks {
		names[c.Name] = true
	}
	for _, n := range []string{"auth", "endpoints", "version", "server status", "datastores", "namespaces", "snapshots", "tasks", "jobs"} {
		if !names[n] {
			t.Errorf("no %s sub-check in %+v", n, rep.Checks)
		}
	}

	l.fake.SetPrivileges([]string{"Datastore.Audit"})
	rep, _ = l.client.Check(context.Background(), "lab")
	missing := map[string]string{}
	for _, c := range rep.Checks {
		if !c.OK {
			missing[c.Name] = c.MissingPrivilege
		}
	}
	if missing["server status"] != "Sys.Audit" || missing["tasks"] != "Sys.Audit" {
		t.Errorf("without Sys.Audit: %+v", rep.Checks)
	}
	l.fake.SetPrivileges([]string{"Sys.Audit"})
	rep, _ = l.client.Check(context.Background(), "lab")
	missing = map[string]string{}
	for _, c := range rep.Checks {
		if !c.OK {
			missing[c.Name] = c.MissingPrivilege
		}
	}
	if missing["datastores"] != "Datastore.Audit" || missing["jobs"] != "Datastore.Audit" {
		t.Errorf("without Datastore.Audit: %+v", rep.Checks)
	}

	l.configure("bad", map[string]any{"endpoint": l.url, "token_id": fakepbs.DefaultTokenID, "token_secret": "nope"})
	rep, _ = l.client.Check(context.Background(), "bad")
	if rep.OK() || len(rep.Checks) != 1 || !strings.Contains(rep.Checks[0].Message, "API token was refused") {
		t.Errorf("bad token check = %+v", rep)
	}
}

func TestExecuteRefused(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
	l.configure("lab", tokenConfig(l.url))
	_, err := l.client.Execute(context.Background(), "lab", sdk.Action{Name: "prune", Target: "datastore/store1"})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("execute = %v", err)
	}
	if !errors.Is(err, sdk.ErrActionRefused) && !strings.Contains(err.Error(), "action refused") {
		t.Errorf("not an ErrActionRefused: %v", err)
	}
}

func TestConfigureRejects(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
	for name, tc := range map[string]struct {
		cfg  map[string]any
		want string
	}{
		"no endpoint":   {map[string]any{"token_id": "a@pbs!b", "token_secret": "x"}, "set endpoint"},
		"both":          {map[string]any{"endpoint": "pbs1", "endpoints": []string{"pbs2"}, "token_id": "a@pbs!b", "token_secret": "x"}, "not both"},
		"http":          {map[string]any{"endpoint": "http://pbs1:8007", "token_id": "a@pbs!b", "token_secret": "x"}, "must use https"},
		"bad token id":  {map[string]any{"endpoint": "pbs1", "token_id": "monitor", "token_secret": "x"}, "user@realm!tokenname"},
		"no auth":       {map[string]any{"endpoint": "pbs1"}, "set token_id"},
		"thresholds":    {map[string]any{"endpoint": "pbs1", "token_id": "a@pbs!b", "token_secret": "x", "usage_warning": 0.95, "usage_critical": 0.9}, "warning < critical"},
		"cluster map":   {map[string]any{"endpoint": "pbs1", "token_id": "a@pbs!b", "token_secret": "x", "pve_clusters": []string{"lab"}}, "namespace=cluster"},
		"unknown field": {map[string]any{"endpoint": "pbs1", "token_id": "a@pbs!b", "token_secret": "x", "node": "x"}, "unknown field"},
	} {
		t.Run(name, func(t *testing.T) {
			raw, _ := jsonMarshal(tc.cfg)
			err := l.client.Configure(context.Background(), sdk.Connection{Name: "x", Config: raw})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("configure %v = %v, want %q", tc.cfg, err, tc.want)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
	raw, _ := jsonMarshal(tokenConfig(l.url))
	wrong := sdk.TLSConfig{Fingerprint: strings.Repeat("AB:", 31) + "AB"}
	if err := l.client.Configure(context.Background(), sdk.Connection{Name: "pin", Config: raw, TLS: wrong}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.collect("pin"); err == nil || !strings.Contains(err.Error(), "does not match the pinned") {
		t.Errorf("wrong pin: %v", err)
	}
	cert, _ := l.fake.Certificate()
	ca := sdk.TLSConfig{CAPEM: fakeapi.CertPEM(cert)}
	if err := l.client.Configure(context.Background(), sdk.Connection{Name: "ca", Config: raw, TLS: ca}); err != nil {
		t.Fatal(err)
	}
	l.mustCollect("ca")
}
