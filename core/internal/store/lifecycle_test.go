package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

func TestStableIDsAcrossPollsAndRestart(t *testing.T) {
	s, path := openTemp(t)
	node := obs(resource.TypeAgent, "node/pve1", "pve1", key(resource.KeyMachineID, "m1"))
	vm := obs(resource.TypeVM, "qemu/100", "web")
	applyObs(t, s, pveLab, at(0), node, vm)
	applyObs(t, s, agentH1, at(1), obs(resource.TypeAgent, "a1", "pve1", key(resource.KeyMachineID, "m1")))
	ids := func(s *Store) []string {
		var out []string
		for _, r := range s.Resources(Filter{}) {
			out = append(out, r.ID)
		}
		return out
	}
	want := []string{"agent-" + hex16("proxmox-pve/lab/node/pve1"), "vm-" + hex16("proxmox-pve/lab/qemu/100")}
	if got := ids(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("ids %v want %v", got, want)
	}
	vm.Status = resource.StatusStopped
	applyObs(t, s, pveLab, at(2), node, vm)
	if got := ids(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("ids after a changed poll %v want %v", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openAt(t, path)
	defer s2.Close()
	if got := ids(s2); !reflect.DeepEqual(got, want) {
		t.Fatalf("ids after restart %v want %v", got, want)
	}
	st := applyObs(t, s2, pveLab, at(3), node, vm)
	if st.Upserted != 0 || st.Unchanged != 2 {
		t.Fatalf("re-apply after restart: %+v", st)
	}
	// The pve source going away keeps the merged resource's id with the agent.
	applyObs(t, s2, pveLab, at(4))
	r, ok := s2.Resource(want[0])
	if !ok || r.Platform != "agent" || len(r.Sources) != 1 || r.Sources[0].Role != resource.RolePrimary {
		t.Fatalf("after pve removal: ok=%v %+v", ok, r)
	}
}

func TestMarkStaleDeletesNothing(t *testing.T) {
	s, path := openTemp(t)
	node := obs(resource.TypeAgent, "node/pve1", "pve1", key(resource.KeyMachineID, "m1"))
	applyObs(t, s, pveLab, at(0), node, obs(resource.TypeVM, "qemu/100", "web"))
	applyObs(t, s, agentH1, at(1), obs(resource.TypeAgent, "a1", "pve1", key(resource.KeyMachineID, "m1")))
	nodeID := "agent-" + hex16("proxmox-pve/lab/node/pve1")
	vmID := "vm-" + hex16("proxmox-pve/lab/qemu/100")

	if err := s.MarkStale(t.Context(), pveLab, "poll failed: timeout", at(5)); err != nil {
		t.Fatal(err)
	}
	vm, ok := s.Resource(vmID)
	if !ok || !vm.Stale || vm.StaleReason != "poll failed: timeout" || vm.StaleSince == nil || !vm.StaleSince.Equal(at(5)) || !vm.LastSeen.Equal(at(0)) {
		t.Fatalf("stale vm: ok=%v %+v", ok, vm)
	}
	node1, _ := s.Resource(nodeID)
	if node1.Stale || !node1.Sources[0].Stale || node1.Sources[1].Stale {
		t.Fatalf("hybrid with a live agent must not be stale: %+v", node1)
	}
	// Marking again keeps the original time and takes the new reason.
	if err := s.MarkStale(t.Context(), pveLab, "plugin crashed", at(6)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkStale(t.Context(), agentH1, "agent offline", at(7)); err != nil {
		t.Fatal(err)
	}
	node2, _ := s.Resource(nodeID)
	if !node2.Stale || node2.StaleReason != "plugin crashed" || !node2.StaleSince.Equal(at(5)) || !node2.LastSeen.Equal(at(1)) {
		t.Fatalf("all sources stale: %+v", node2)
	}
	if n := len(s.Resources(Filter{})); n != 2 {
		t.Fatalf("stale resources deleted: %d left", n)
	}

	before := dumpOf(s)
	s.Close()
	s = openAt(t, path)
	defer s.Close()
	requireEqualDump(t, before, dumpOf(s))

	applyObs(t, s, pveLab, at(8), node, obs(resource.TypeVM, "qemu/100", "web"))
	vm, _ = s.Resource(vmID)
	node3, _ := s.Resource(nodeID)
	if vm.Stale || vm.StaleSince != nil || vm.StaleReason != "" || node3.Stale || !node3.Sources[1].Stale {
		t.Fatalf("snapshot must clear staleness of its source only: vm %+v node %+v", vm, node3)
	}
}

func TestCompleteSnapshotRemovesAbsent(t *testing.T) {
	s, _ := openTemp(t)
	applyObs(t, s, pveLab, at(0),
		obs(resource.TypeVM, "qemu/100", "a"), obs(resource.TypeVM, "qemu/101", "b"), obs(resource.TypeVM, "qemu/102", "c"))
	applyObs(t, s, pveLabB, at(0), obs(resource.TypeVM, "qemu/100", "other-cluster"))
	st := applyObs(t, s, pveLab, at(1), obs(resource.TypeVM, "qemu/101", "b"))
	if st.Removed != 2 || st.Unchanged != 1 {
		t.Fatalf("stats %+v", st)
	}
	var names []string
	for _, r := range s.Resources(Filter{}) {
		names = append(names, r.Name)
	}
	if !reflect.DeepEqual(names, []string{"b", "other-cluster"}) {
		t.Fatalf("left %v", names)
	}
}

func TestRelationships(t *testing.T) {
	s, _ := openTemp(t)
	applyObs(t, s, agentH1, at(0), obs(resource.TypeAgent, "a1", "pve1", key(resource.KeyMachineID, "m1")))
	st := snapshot(t, s, pveLab, at(1), resource.Snapshot{
		Resources: []resource.Observation{
			obs(resource.TypeAgent, "node/pve1", "pve1", key(resource.KeyMachineID, "m1")),
			obs(resource.TypeStorage, "storage/pve1/local", "local"),
			obs(resource.TypeVM, "qemu/100", "web"),
		},
		Links: []resource.Link{
			{From: "qemu/100", Kind: resource.RelRunsOn, To: "node/pve1"},
			{From: "qemu/100", Kind: resource.RelStoredOn, To: "storage/pve1/local"},
			{From: "qemu/100", Kind: resource.RelStoredOn, To: "storage/pve1/gone"},
			{From: "qemu/999", Kind: resource.RelRunsOn, To: "node/pve1"},
			{From: "qemu/100", Kind: "hosted-by", To: "node/pve1"},
			{From: "qemu/100", Kind: resource.RelRunsOn, To: "node/pve1"}, // duplicate
		},
	})
	if st.DroppedLinks != 3 {
		t.Fatalf("dropped %d, want 3", st.DroppedLinks)
	}
	nodeID := "agent-" + hex16("agent/h1/a1") // the agent created the resource
	storageID := "storage-" + hex16("proxmox-pve/lab/storage/pve1/local")
	vmID := "vm-" + hex16("proxmox-pve/lab/qemu/100")
	vm, _ := s.Resource(vmID)
	want := []resource.Relation{{Kind: resource.RelRunsOn, Target: nodeID}, {Kind: resource.RelStoredOn, Target: storageID}}
	if !reflect.DeepEqual(vm.Relationships, want) {
		t.Fatalf("relationships %+v want %+v", vm.Relationships, want)
	}
	// A snapshot replaces all links of the source; a removed target drops it.
	snapshot(t, s, pveLab, at(2), resource.Snapshot{
		Resources: []resource.Observation{
			obs(resource.TypeAgent, "node/pve1", "pve1", key(resource.KeyMachineID, "m1")),
			obs(resource.TypeVM, "qemu/100", "web"),
		},
		Links: []resource.Link{{From: "qemu/100", Kind: resource.RelRunsOn, To: "node/pve1"}},
	})
	vm, _ = s.Resource(vmID)
	if !reflect.DeepEqual(vm.Relationships, want[:1]) {
		t.Fatalf("after replacement %+v", vm.Relationships)
	}
	applyObs(t, s, pveLab, at(3), obs(resource.TypeVM, "qemu/100", "web"))
	vm, _ = s.Resource(vmID)
	if len(vm.Relationships) != 0 {
		t.Fatalf("links kept after snapshot without them: %+v", vm.Relationships)
	}
}

func TestAlerts(t *testing.T) {
	s, _ := openTemp(t)
	vm := obs(resource.TypeVM, "qemu/100", "web")
	vmID := "vm-" + hex16("proxmox-pve/lab/qemu/100")
	a1 := resource.Alert{ID: "cpu-100", Resource: "qemu/100", Severity: resource.SeverityWarning, Kind: "cpu", Message: "cpu high"}
	a2 := resource.Alert{ID: "quorum", Severity: resource.SeverityCritical, Kind: "cluster", Message: "quorum lost", Started: at(-10)}
	snapshot(t, s, pveLab, at(0), resource.Snapshot{Resources: []resource.Observation{vm}, Alerts: []resource.Alert{a1, a2}})
	got := s.Alerts(AlertFilter{})
	if len(got) != 2 {
		t.Fatalf("alerts %+v", got)
	}
	byID := map[string]resource.Alert{}
	for _, a := range got {
		byID[a.ID] = a
	}
	id1, id2 := "alert-"+hex16("proxmox-pve/lab/cpu-100"), "alert-"+hex16("proxmox-pve/lab/quorum")
	if a := byID[id1]; a.Resource != vmID || !a.Started.Equal(at(0)) || a.Platform != "proxmox-pve" || a.Cleared != nil {
		t.Fatalf("alert 1 %+v", a)
	}
	if a := byID[id2]; a.Resource != "" || !a.Started.Equal(at(-10)) {
		t.Fatalf("alert 2 %+v", a)
	}

	a1.Started = at(1) // a plugin restarting its own clock must not move the start
	a1.Message = "cpu very high"
	snapshot(t, s, pveLab, at(1), resource.Snapshot{Resources: []resource.Observation{vm}, Alerts: []resource.Alert{a1}})
	active := s.Alerts(AlertFilter{})
	if len(active) != 1 || active[0].ID != id1 || !active[0].Started.Equal(at(0)) || !active[0].LastSeen.Equal(at(1)) || active[0].Message != "cpu very high" {
		t.Fatalf("after second snapshot %+v", active)
	}
	all := s.Alerts(AlertFilter{IncludeCleared: true})
	if len(all) != 2 || s.Alerts(AlertFilter{Resource: vmID})[0].ID != id1 {
		t.Fatalf("with cleared %+v", all)
	}
	for _, a := range all {
		if a.ID == id2 && (a.Cleared == nil || !a.Cleared.Equal(at(1)) || !a.LastSeen.Equal(at(0))) {
			t.Fatalf("cleared alert %+v", a)
		}
	}

	// Deltas raise and clear.
	if _, err := s.ApplyDelta(t.Context(), pveLab, resource.Delta{
		Alerts:        []resource.Alert{{ID: "disk", Resource: "qemu/100", Severity: resource.SeverityInfo, Kind: "disk", Message: "m"}},
		ClearedAlerts: []string{"cpu-100"},
	}, at(2)); err != nil {
		t.Fatal(err)
	}
	active = s.Alerts(AlertFilter{})
	if len(active) != 1 || active[0].ID != "alert-"+hex16("proxmox-pve/lab/disk") || !active[0].LastSeen.Equal(at(2)) {
		t.Fatalf("after delta %+v", active)
	}
	// Re-raising a cleared alert starts it again.
	snapshot(t, s, pveLab, at(3), resource.Snapshot{Resources: []resource.Observation{vm}, Alerts: []resource.Alert{a2}})
	for _, a := range s.Alerts(AlertFilter{}) {
		if a.ID == id2 && (a.Cleared != nil || !a.Started.Equal(at(-10))) {
			t.Fatalf("re-raised %+v", a)
		}
	}
}

func TestClearedAlertsArePruned(t *testing.T) {
	s, path := openTemp(t)
	var alerts []resource.Alert
	for i := range MaxClearedAlerts + 5 {
		alerts = append(alerts, resource.Alert{ID: time.Duration(i).String(), Severity: resource.SeverityInfo, Kind: "k", Message: "m"})
	}
	snapshot(t, s, pveLab, at(0), resource.Snapshot{Alerts: alerts[:10]})
	snapshot(t, s, pveLab, at(1), resource.Snapshot{Alerts: alerts[10:]}) // clears the first 10
	snapshot(t, s, pveLab, at(2), resource.Snapshot{})                    // clears the rest
	all := s.Alerts(AlertFilter{IncludeCleared: true})
	if len(all) != MaxClearedAlerts {
		t.Fatalf("kept %d cleared alerts", len(all))
	}
	older := 0
	for _, a := range all {
		if a.Cleared.Equal(at(1)) {
			older++
		}
	}
	if older != 5 { // 995 cleared at 2, the 5 most recent of the 10 cleared at 1 (ties by id)
		t.Fatalf("kept %d alerts cleared at 1, want 5", older)
	}
	s.Close()
	s = openAt(t, path)
	defer s.Close()
	if n := len(s.Alerts(AlertFilter{IncludeCleared: true})); n != MaxClearedAlerts {
		t.Fatalf("after reopen %d", n)
	}
}

func TestRecoveryPoints(t *testing.T) {
	s, _ := openTemp(t)
	vm := obs(resource.TypeVM, "qemu/103", "db")
	vmID := "vm-" + hex16("proxmox-pve/lab/qemu/103")
	rp1 := resource.RecoveryPoint{ID: "local:backup/vzdump-qemu-103-1", Resource: "qemu/103", Kind: resource.RecoveryBackup, Time: at(-60), SizeBytes: 42}
	rp2 := resource.RecoveryPoint{ID: "local:backup/vzdump-qemu-999-1", Resource: "qemu/999", Kind: resource.RecoveryBackup, Time: at(-30)}
	snapshot(t, s, pveLab, at(0), resource.Snapshot{Resources: []resource.Observation{vm}, RecoveryPoints: []resource.RecoveryPoint{rp1, rp2}})
	got := s.RecoveryPoints("")
	if len(got) != 2 || got[0].Resource != "proxmox-pve/lab/qemu/999" || got[1].Resource != vmID ||
		got[1].ID != "rp-"+hex16("proxmox-pve/lab/"+rp1.ID) || got[1].Platform != "proxmox-pve" {
		t.Fatalf("recovery points %+v", got)
	}
	if f := s.RecoveryPoints(vmID); len(f) != 1 || f[0].SizeBytes != 42 {
		t.Fatalf("filtered %+v", f)
	}
	// The guest is deleted; its backup is still listed under its source key.
	snapshot(t, s, pveLab, at(1), resource.Snapshot{RecoveryPoints: []resource.RecoveryPoint{rp1}})
	got = s.RecoveryPoints("")
	if len(got) != 1 || got[0].Resource != "proxmox-pve/lab/qemu/103" {
		t.Fatalf("after guest removal %+v", got)
	}
	snapshot(t, s, pveLab, at(2), resource.Snapshot{})
	if got := s.RecoveryPoints(""); len(got) != 0 {
		t.Fatalf("absent recovery points kept %+v", got)
	}
}

func TestDelta(t *testing.T) {
	s, _ := openTemp(t)
	applyObs(t, s, pveLab, at(0),
		obs(resource.TypeAgent, "node/pve1", "pve1"), obs(resource.TypeVM, "qemu/100", "a"), obs(resource.TypeVM, "qemu/101", "b"))
	changed := obs(resource.TypeVM, "qemu/100", "a-renamed")
	st, err := s.ApplyDelta(t.Context(), pveLab, resource.Delta{
		Upserts: []resource.Observation{changed, obs(resource.TypeVM, "qemu/102", "c"), obs(resource.TypeAgent, "node/pve1", "pve1")},
		Links: []resource.Link{
			{From: "qemu/102", Kind: resource.RelRunsOn, To: "node/pve1"},
			{From: "qemu/102", Kind: resource.RelRunsOn, To: "qemu/101"}, // removed in this delta
		},
		Removed: []string{"qemu/101", "qemu/404"},
		Metrics: []resource.Metric{{Resource: "qemu/102", Name: "cpu", Value: 0.5, Time: at(1)}},
	}, at(1))
	if err != nil {
		t.Fatal(err)
	}
	want := ApplyStats{Upserted: 2, Unchanged: 1, Removed: 1, DroppedLinks: 1}
	if st != want {
		t.Fatalf("stats %+v want %+v", st, want)
	}
	byName := map[string]resource.Resource{}
	for _, r := range s.Resources(Filter{}) {
		byName[r.Name] = r
	}
	if len(byName) != 3 || byName["a-renamed"].ID != "vm-"+hex16("proxmox-pve/lab/qemu/100") {
		t.Fatalf("resources %v", byName)
	}
	if !byName["pve1"].LastSeen.Equal(at(1)) || !byName["c"].FirstSeen.Equal(at(1)) {
		t.Fatalf("delta last seen: %+v", byName["pve1"])
	}
	if rel := byName["c"].Relationships; len(rel) != 1 || rel[0].Target != byName["pve1"].ID {
		t.Fatalf("delta links %+v", rel)
	}
	if m := s.Metrics(byName["c"].ID); len(m) != 1 || m[0].Value != 0.5 {
		t.Fatalf("delta metrics %+v", m)
	}
	// A following snapshot makes the snapshot time the last seen again.
	applyObs(t, s, pveLab, at(2), changed, obs(resource.TypeAgent, "node/pve1", "pve1"))
	r, _ := s.Resource(byName["pve1"].ID)
	if !r.LastSeen.Equal(at(2)) {
		t.Fatalf("last seen after snapshot %v", r.LastSeen)
	}
}

func TestMetrics(t *testing.T) {
	s, _ := openTemp(t)
	applyObs(t, s, agentH1, at(0), obs(resource.TypeAgent, "a1", "pve1", key(resource.KeyMachineID, "m1")))
	snapshot(t, s, pveLab, at(1), resource.Snapshot{
		Resources: []resource.Observation{obs(resource.TypeAgent, "node/pve1", "pve1", key(resource.KeyMachineID, "m1"))},
		Metrics: []resource.Metric{
			{Resource: "node/pve1", Name: "cpu", Value: 2, Time: at(1)},
			{Resource: "node/pve1", Name: "cpu", Value: 1, Time: at(0)}, // older: ignored
			{Resource: "node/pve1", Name: "mem", Value: 3, Unit: "bytes", Time: at(1)},
			{Resource: "qemu/404", Name: "cpu", Value: 9, Time: at(1)}, // unresolvable
		},
	})
	id := "agent-" + hex16("agent/h1/a1")
	got := s.Metrics(id)
	want := []resource.Metric{
		{Resource: id, Name: "cpu", Value: 2, Time: at(1)},
		{Resource: id, Name: "mem", Value: 3, Unit: "bytes", Time: at(1)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("metrics %+v want %+v", got, want)
	}
	// The agent's sample of the same merged resource is newer and wins.
	snapshot(t, s, agentH1, at(2), resource.Snapshot{
		Resources: []resource.Observation{obs(resource.TypeAgent, "a1", "pve1", key(resource.KeyMachineID, "m1"))},
		Metrics:   []resource.Metric{{Resource: "a1", Name: "cpu", Value: 5, Time: at(2)}},
	})
	if got := s.Metrics(""); len(got) != 2 || got[0].Value != 5 {
		t.Fatalf("all metrics %+v", got)
	}
	applyObs(t, s, agentH1, at(3))
	applyObs(t, s, pveLab, at(3))
	if got := s.Metrics(""); len(got) != 0 {
		t.Fatalf("metrics of a deleted resource kept %+v", got)
	}
}
