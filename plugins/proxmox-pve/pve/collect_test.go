package pve_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

// small is a 2-node Ceph cluster with every projection and a little of
// everything: lxc and qemu guests, a template, tags, pools, HA, snapshots,
// backups on shared and local storage.
func small() *fakepve.Cluster {
	c := fakepve.Generate(fakepve.Spec{Nodes: 2, Guests: 10, Ceph: true})
	c.Guests[1].Lock = "backup"
	c.Storage("local").Backups = []*fakepve.Backup{{VMID: 101, GuestType: "qemu", Node: "pve02", Time: epoch.Add(-30 * time.Minute), Size: 1 << 30, Protected: true}}
	return c
}

// unhealthy has one of each platform-health condition.
func unhealthy() *fakepve.Cluster {
	c := small()
	c.Nodes[1].Online = false
	c.Nodes[0].Disks[0].Health = "FAILED"
	c.Ceph.Health, c.Ceph.Checks = "HEALTH_WARN", map[string]string{"OSD_DOWN": "1 osds down"}
	c.Ceph.UpOSDs = 1
	c.Storage("local-lvm").Inactive = []string{"pve01"}
	c.Guests[0].HAState = "error"
	c.Tasks = append(c.Tasks,
		&fakepve.Task{Node: "pve01", Type: "vzdump", ID: "104", User: "root@pam", Status: "job errors", PID: 99, Start: epoch.Add(-2 * time.Hour), End: epoch.Add(-time.Hour)},
		&fakepve.Task{Node: "pve01", Type: "qmstart", ID: "102", User: "root@pam", Status: "start failed: QEMU exited with code 1", PID: 98, Start: epoch.Add(-3 * time.Hour), End: epoch.Add(-3 * time.Hour)},
		&fakepve.Task{Node: "pve01", Type: "vzdump", User: "root@pam", Status: "job errors", PID: 97, Start: epoch.Add(-72 * time.Hour), End: epoch.Add(-71 * time.Hour)})
	return c
}

func TestCollectGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cluster *fakepve.Cluster
	}{
		{"healthy", small()},
		{"unhealthy", unhealthy()},
		{"standalone", func() *fakepve.Cluster {
			c := fakepve.Generate(fakepve.Spec{Nodes: 1, Guests: 3})
			c.Name = ""
			return c
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, tc.cluster, pve.Options{}, fakepve.Options{})
			l.configure("lab", tokenConfig(l.member.URL()))
			snap := l.mustCollect("lab")
			seen := sdktest.CheckMetrics(t, snap)
			running := map[resource.Type]bool{}
			for _, r := range snap.Resources {
				running[resource.Type(r.Type)] = running[resource.Type(r.Type)] || r.Status == "running" || r.Status == "online"
			}
			require := func(typ resource.Type, names ...string) {
				if running[typ] {
					sdktest.RequireMetrics(t, seen, typ, names...)
				}
			}
			for _, typ := range []resource.Type{resource.TypeVM, resource.TypeSystemContainer, resource.TypeAgent} {
				require(typ, "cpu_usage_ratio", "memory_used_bytes", "memory_total_bytes")
			}
			require(resource.TypeVM, "disk_read_bytes_total", "disk_write_bytes_total",
				"network_receive_bytes_total", "network_transmit_bytes_total")
			require(resource.TypeSystemContainer, "disk_used_bytes", "network_receive_bytes_total")
			require(resource.TypeStorage, "storage_used_bytes", "storage_total_bytes")
			sdktest.Golden(t, "collect_"+tc.name+".json", toReadable(snap))
		})
	}
}

func TestUnhealthyAlerts(t *testing.T) {
	l := newLab(t, unhealthy(), pve.Options{}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	snap := l.mustCollect("lab")
	got := map[string]string{}
	for _, a := range snap.Alerts {
		got[a.Kind+" "+a.Resource] = a.Severity
	}
	want := map[string]string{
		"node-offline node/pve02":                               "critical",
		"disk-smart-failed disk/pve01/S5GXNF0R000001":           "critical",
		"ceph-health ceph/6c5c1c2e-4f0e-4b8e-9a57-0d3c2a1b9f10": "warning",
		"storage-inactive storage/pve01/local-lvm":              "critical",
		"ha-error 100":    "critical",
		"task-failed 104": "critical", // a failed backup
		"task-failed 102": "warning",
		"cluster-quorum ": "critical", // one of two members is down
	}
	for k, sev := range want {
		if got[k] != sev {
			t.Errorf("alert %q: severity %q, want %q (all: %v)", k, got[k], sev, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("alerts = %v, want exactly %v (the 3-day-old failure is outside the window)", got, want)
	}
	// Guests of the offline node are unknown, not stopped or gone.
	for _, r := range toReadable(snap).Resources {
		if r.Topology["node"] == "pve02" && r.Type != "agent" && r.Type != "storage" && r.Status != "unknown" {
			t.Errorf("%s %s on the offline node has status %s, want unknown", r.Type, r.NativeID, r.Status)
		}
	}
}

func TestLiveMigrationKeepsIdentity(t *testing.T) {
	l := newLab(t, small(), pve.Options{}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	before := l.mustCollect("lab")
	l.fake.Update(func(c *fakepve.Cluster) { c.Guest(104).Node = "pve02" })
	after := l.mustCollect("lab")
	b, a := find(before, "104"), find(after, "104")
	if b == nil || a == nil {
		t.Fatalf("guest 104 missing: before %v after %v", b, a)
	}
	if b.NativeID != a.NativeID || b.Type != a.Type || strings.Join(b.Identity, ",") != strings.Join(a.Identity, ",") {
		t.Errorf("identity changed across migration: %+v -> %+v", b, a)
	}
	if b.Topology["node"] != "pve01" || a.Topology["node"] != "pve02" {
		t.Errorf("topology node %q -> %q, want pve01 -> pve02", b.Topology["node"], a.Topology["node"])
	}
	runsOn := func(s *sdktest.Snapshot) string {
		for _, r := range s.Relationships {
			if r.From == "104" && r.Kind == "runs-on" {
				return r.To
			}
		}
		return ""
	}
	if runsOn(before) != "node/pve01" || runsOn(after) != "node/pve02" {
		t.Errorf("runs-on %q -> %q, want node/pve01 -> node/pve02", runsOn(before), runsOn(after))
	}
	// Recovery points keep pointing at the same native id.
	for _, p := range after.RecoveryPoints {
		if strings.Contains(p.NativeId, "/104/") && p.Resource != "104" {
			t.Errorf("recovery point %s references %s", p.NativeId, p.Resource)
		}
	}
}

func TestNodeIdentityForAgentMerge(t *testing.T) {
	l := newLab(t, small(), pve.Options{}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	n := find(l.mustCollect("lab"), "node/pve01")
	if n == nil || n.Type != "agent" {
		t.Fatalf("node resource = %+v", n)
	}
	if strings.Join(n.Identity, ",") != "cluster-node=lab/pve01,hostname=pve01" {
		t.Errorf("identity = %v", n.Identity)
	}
	var attrs map[string]any
	if err := json.Unmarshal(n.Attributes, &attrs); err != nil {
		t.Fatal(err)
	}
	if attrs["platformType"] != "proxmox-pve" || attrs["pve_version"] != "9.0.3" {
		t.Errorf("attributes = %v", attrs)
	}
}

// TestSteadyStateRequests counts the requests of a steady-state cycle for
// 20 nodes and 5,000 guests: at most 3 + nodes/10.
func TestSteadyStateRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		ceph bool
		max  int
	}{
		{"ceph", true, 3 + 20/10},
		{"no-ceph", false, 3 + 20/10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, fakepve.Generate(fakepve.Spec{Nodes: 20, Guests: 5000, Ceph: tc.ceph}), pve.Options{}, fakepve.Options{})
			l.configure("big", tokenConfig(l.member.URL()))
			first := l.mustCollect("big") // includes the slow pass
			l.fake.ResetCounts()
			l.clock.Advance(30 * time.Second)
			second := l.mustCollect("big")
			n := l.fake.Requests()
			t.Logf("steady-state requests: %d %v", n, l.fake.RequestsByPath())
			if n > tc.max {
				t.Errorf("steady-state cycle made %d requests, want at most %d: %v", n, tc.max, l.fake.RequestsByPath())
			}
			for p := range l.fake.RequestsByPath() {
				if strings.Contains(p, "{vmid}") || strings.HasPrefix(p, "/nodes/") {
					t.Errorf("steady-state cycle called %s", p)
				}
			}
			// Between slow passes the snapshot stays complete.
			if records(first) != records(second) || len(first.RecoveryPoints) != len(second.RecoveryPoints) {
				t.Errorf("steady snapshot differs in size: %d/%d records, %d/%d recovery points",
					records(first), records(second), len(first.RecoveryPoints), len(second.RecoveryPoints))
			}
			if len(second.Resources) != 20+5000+len(first.Resources)-5020 {
				t.Errorf("resources = %d", len(second.Resources))
			}
		})
	}
}

func TestSlowCadence(t *testing.T) {
	l := newLab(t, small(), pve.Options{SlowCycles: 3, SlowEvery: time.Hour}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	var disks []int
	for i := 0; i < 7; i++ {
		l.fake.ResetCounts()
		l.mustCollect("lab")
		disks = append(disks, l.fake.RequestsByPath()["/nodes/{node}/disks/list"])
	}
	want := []int{2, 0, 0, 2, 0, 0, 2}
	for i := range want {
		if disks[i] != want[i] {
			t.Fatalf("disk listings per cycle = %v, want %v", disks, want)
		}
	}
	// Time alone also triggers the slow pass.
	l.clock.Advance(2 * time.Hour)
	l.fake.ResetCounts()
	l.mustCollect("lab")
	if l.fake.RequestsByPath()["/nodes/{node}/disks/list"] != 2 {
		t.Errorf("slow pass did not run after SlowEvery: %v", l.fake.RequestsByPath())
	}
}

func TestSnapshotsAreScannedRoundRobin(t *testing.T) {
	c := fakepve.Generate(fakepve.Spec{Nodes: 2, Guests: 600})
	l := newLab(t, c, pve.Options{SlowCycles: 1}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	var perPass []int
	var snaps int
	for i := 0; i < 7; i++ {
		l.fake.ResetCounts()
		s := l.mustCollect("lab")
		by := l.fake.RequestsByPath()
		perPass = append(perPass, by["/nodes/{node}/qemu/{vmid}/snapshot"]+by["/nodes/{node}/lxc/{vmid}/snapshot"])
		snaps = 0
		for _, p := range s.RecoveryPoints {
			if p.Kind == "snapshot" {
				snaps++
			}
		}
	}
	for _, n := range perPass {
		if n > 100 {
			t.Fatalf("snapshot listings per slow pass = %v, want at most a sixth of 588 guests", perPass)
		}
	}
	// After a full sweep every guest with snapshots is known (every 20th of
	// 600, minus templates: 30 guests x 2 snapshots).
	if snaps != 60 {
		t.Errorf("snapshot recovery points after a sweep = %d, want 60 (passes %v)", snaps, perPass)
	}
}

// TestCephAppears: a cluster without Ceph is probed again on slow passes
// only, and Ceph installed later is picked up.
func TestCephAppears(t *testing.T) {
	l := newLab(t, fakepve.Generate(fakepve.Spec{Nodes: 2, Guests: 4}), pve.Options{SlowCycles: 3, SlowEvery: time.Hour}, fakepve.Options{})
	l.configure("lab", tokenConfig(l.member.URL()))
	var probes []int
	for i := 0; i < 4; i++ {
		l.fake.ResetCounts()
		l.mustCollect("lab")
		probes = append(probes, l.fake.RequestsByPath()["/cluster/ceph/status"])
	}
	if want := []int{1, 0, 0, 1}; !equalInts(probes, want) {
		t.Errorf("ceph probes per cycle = %v, want %v", probes, want)
	}
	l.fake.Update(func(c *fakepve.Cluster) {
		c.Ceph = fakepve.Generate(fakepve.Spec{Nodes: 2, Ceph: true}).Ceph
	})
	for i := 0; i < 3; i++ {
		l.mustCollect("lab")
	}
	if find(l.mustCollect("lab"), "ceph/6c5c1c2e-4f0e-4b8e-9a57-0d3c2a1b9f10") == nil {
		t.Error("ceph installed later was not picked up by the next slow pass")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
