package pbs_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/fakepbs"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/pbs"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

func TestCollectGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model *fakepbs.Server
	}{
		{"lab", fakepbs.Lab(epoch)},
		{"small", fakepbs.Generate(fakepbs.Spec{Datastores: 1, Groups: 2, Snapshots: 2, Epoch: epoch})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, tc.model, pbs.Options{}, fakeapi.Options{})
			cfg := tokenConfig(l.url)
			cfg["pve_clusters"] = []string{"=lab", "site-b=dr"}
			l.configure("lab", cfg)
			snap := l.mustCollect("lab")
			sdktest.Golden(t, "collect_"+tc.name+".json", snap.Readable())
		})
	}
}

// TestLabModel checks the lab model's conditions each produce what they
// should, independently of the golden file.
func TestLabModel(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{}, fakeapi.Options{})
	cfg := tokenConfig(l.url)
	cfg["pve_clusters"] = []string{"=lab"}
	l.configure("lab", cfg)
	snap := l.mustCollect("lab")
	m := fakepbs.Lab(epoch)
	want := 0
	for _, d := range m.Datastores {
		want += d.SnapshotCount()
	}
	if len(snap.RecoveryPoints) != want {
		t.Errorf("%d recovery points, want every snapshot: %d", len(snap.RecoveryPoints), want)
	}
	nested := 0
	for _, p := range snap.RecoveryPoints {
		var a map[string]any
		_ = json.Unmarshal(p.Attributes, &a)
		if ns, _ := a["namespace"].(string); strings.Contains(ns, "/") {
			nested++
		}
		if strings.HasPrefix(p.Resource, "vm/") && a["namespace"] == "" && a["subject_key"] != "cluster-guest=lab/"+strings.TrimPrefix(p.Resource, "vm/") {
			t.Errorf("%s: subject_key %v", p.NativeId, a["subject_key"])
		}
	}
	if nested == 0 {
		t.Error("no recovery point from a nested namespace")
	}
	alerts := alertIDs(snap)
	for _, id := range []string{"datastore-usage/store2", "backup-verify-failed/store2/", "job-failed/verify/v-store2", "job-overdue/prune/p-store1",
		"job-failed/sync/s-failing", "job-failed/gc/store3", "task-failed/"} {
		found := false
		for a, msg := range alerts {
			if strings.HasPrefix(a, id) {
				found = true
				if id == "datastore-usage/store2" && (!strings.Contains(msg, "93%") || !strings.Contains(msg, "estimates it full on 2026-01-10")) {
					t.Errorf("usage alert message %q", msg)
				}
			}
		}
		if !found {
			t.Errorf("no alert %s*; have %v", id, alerts)
		}
	}
	if st := find(snap, "datastore/store2"); st == nil || !strings.Contains(string(st.Attributes), `"estimated_full_date":"2026-01-10T00:00:00Z"`) ||
		!strings.Contains(string(st.Attributes), `"deduplication_factor":9`) {
		t.Errorf("datastore/store2 = %+v", st)
	}
	srv := find(snap, "server")
	if srv == nil || srv.Type != "pbs" || len(srv.Identity) == 0 || srv.Identity[0] != "pbs-instance-id=6c0f1f2ed3b84f4a9bd1d7e2a1c5f0aa" {
		t.Errorf("server = %+v", srv)
	}
}

// TestSteadyStateListsNoUnchangedGroup: the second cycle lists groups but
// no snapshots; a new backup re-lists exactly its group; a finished verify
// job re-lists its datastore's groups; the refresh interval re-lists all.
func TestSteadyStateListsNoUnchangedGroup(t *testing.T) {
	m := fakepbs.Generate(fakepbs.Spec{Datastores: 2, Namespaces: 2, Groups: 5, Snapshots: 3, Epoch: epoch})
	l := newLab(t, m, pbs.Options{}, fakeapi.Options{})
	l.configure("lab", tokenConfig(l.url))
	first := l.mustCollect("lab")
	snapsCalls := func() int { return l.fake.RequestsByPath()["/admin/datastore/{store}/snapshots"] }
	if got := snapsCalls(); got != 2*5*5 {
		t.Fatalf("first cycle listed %d groups' snapshots, want all 50", got)
	}
	l.fake.ResetCounts()
	l.clock.Advance(30 * time.Second)
	second := l.mustCollect("lab")
	if got := snapsCalls(); got != 0 {
		t.Errorf("steady cycle listed snapshots %d times, want 0", got)
	}
	if len(second.RecoveryPoints) != len(first.RecoveryPoints) {
		t.Errorf("steady cycle: %d recovery points, first %d", len(second.RecoveryPoints), len(first.RecoveryPoints))
	}
	steady := l.fake.Requests()
	t.Logf("steady-state cycle: %d requests %v", steady, l.fake.RequestsByPath())
	if steady > 2+1+1+3+1+2*5 {
		t.Errorf("steady cycle sent %d requests", steady)
	}

	// A new backup in one group.
	l.fake.Update(func(s *fakepbs.Server) {
		g := s.Datastores[0].Groups[3]
		g.Snapshots = append(g.Snapshots, &fakepbs.Snapshot{Time: epoch.Unix() + 60, Size: 1 << 30, Verify: "", Files: []string{"index.json.blob"}})
	})
	l.fake.ResetCounts()
	l.clock.Advance(30 * time.Second)
	third := l.mustCollect("lab")
	if got := snapsCalls(); got != 1 {
		t.Errorf("one changed group: %d snapshot listings, want 1", got)
	}
	if len(third.RecoveryPoints) != len(first.RecoveryPoints)+1 {
		t.Errorf("after a backup: %d recovery points, want %d", len(third.RecoveryPoints), len(first.RecoveryPoints)+1)
	}

	// A verify job on store1 finished: its groups are re-listed.
	l.fake.Update(func(s *fakepbs.Server) {
		s.VerifyJobs[0].LastEnd = epoch.Unix() + 90
		s.Datastores[0].Groups[0].Snapshots[0].Verify = "failed"
	})
	l.fake.ResetCounts()
	l.clock.Advance(30 * time.Second)
	fourth := l.mustCollect("lab")
	if got := snapsCalls(); got != 25 {
		t.Errorf("after a verify run: %d listings, want store1's 25 groups", got)
	}
	failed := false
	for id := range alertIDs(fourth) {
		failed = failed || strings.HasPrefix(id, "backup-verify-failed/store1/")
	}
	if !failed {
		t.Error("the failed verification was not picked up")
	}

	l.fake.ResetCounts()
	l.clock.Advance(time.Hour)
	l.mustCollect("lab")
	if got := snapsCalls(); got != 50 {
		t.Errorf("after the refresh interval: %d listings, want 50", got)
	}
}

// TestUnmountedDatastoreKeepsBackups: an unmounted removable datastore
// stays with its last known recovery points, offline, with an alert.
func TestUnmountedDatastoreKeepsBackups(t *testing.T) {
	l := newLab(t, fakepbs.Lab(epoch), pbs.Options{SlowCycles: 1}, fakeapi.Options{})
	l.configure("lab", tokenConfig(l.url))
	before := l.mustCollect("lab")
	l.fake.Update(func(s *fakepbs.Server) { s.Datastore("store3").MountStatus = "notmounted" })
	after := l.mustCollect("lab")
	if len(after.RecoveryPoints) != len(before.RecoveryPoints) {
		t.Errorf("recovery points %d -> %d", len(before.RecoveryPoints), len(after.RecoveryPoints))
	}
	if st := find(after, "datastore/store3"); st == nil || st.Status != "offline" {
		t.Errorf("store3 = %+v", st)
	}
	if _, ok := alertIDs(after)["datastore-unavailable/store3"]; !ok {
		t.Error("no datastore-unavailable alert")
	}
}
