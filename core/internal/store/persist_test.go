package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// buildRichState exercises every persisted feature: merges, roles, fields,
// staleness, delta last-seen, links, active and cleared alerts, recovery
// points with known and unknown resources.
func buildRichState(t *testing.T, s *Store) {
	t.Helper()
	// Times with a monotonic reading and a non-UTC location must survive.
	base := time.Now().In(time.FixedZone("lab", 3600))
	tm := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	node := withTopology(withAttrs(obs(resource.TypeAgent, "node/pve1", "pve1",
		key(resource.KeyMachineID, "M1"), key(resource.KeyClusterNode, "lab/pve1")), `{ "cpus": 8, "html": "<b>&" }`), "cluster", "lab")
	snapshot(t, s, pveLab, tm(0), resource.Snapshot{
		Resources: []resource.Observation{
			node,
			obs(resource.TypeVM, "qemu/100", "web"),
			obs(resource.TypeStorage, "storage/local", "local"),
		},
		Links: []resource.Link{
			{From: "qemu/100", Kind: resource.RelRunsOn, To: "node/pve1"},
			{From: "qemu/100", Kind: resource.RelStoredOn, To: "storage/local"},
		},
		Alerts: []resource.Alert{
			{ID: "a", Resource: "qemu/100", Severity: resource.SeverityWarning, Kind: "cpu", Message: "hot"},
			{ID: "b", Resource: "node/pve1", Severity: resource.SeverityCritical, Kind: "disk", Message: "full", Started: tm(-5)},
		},
		RecoveryPoints: []resource.RecoveryPoint{
			{ID: "bk1", Resource: "qemu/100", Kind: resource.RecoveryBackup, Time: tm(-60), Attributes: json.RawMessage(`{"notes": "x"}`)},
			{ID: "bk2", Resource: "qemu/999", Kind: resource.RecoverySnapshot, Time: tm(-30)},
		},
	})
	host := withAttrs(obs(resource.TypeAgent, "a1", "pve1.lab", key(resource.KeyMachineID, "m1")), `{"kernel":"6.8"}`)
	host.Tags = []string{"b", "a"}
	applyObs(t, s, agentH1, tm(1), host)
	applyObs(t, s, dockerH1, tm(1), obs(resource.TypeAgent, "d1", "pve1", key(resource.KeyMachineID, "m1")))
	snapshot(t, s, pveLab, tm(2), resource.Snapshot{
		Resources: []resource.Observation{node, obs(resource.TypeVM, "qemu/100", "web"), obs(resource.TypeStorage, "storage/local", "local")},
		Links:     []resource.Link{{From: "qemu/100", Kind: resource.RelRunsOn, To: "node/pve1"}},
		Alerts:    []resource.Alert{{ID: "a", Resource: "qemu/100", Severity: resource.SeverityWarning, Kind: "cpu", Message: "hot"}},
		RecoveryPoints: []resource.RecoveryPoint{
			{ID: "bk1", Resource: "qemu/100", Kind: resource.RecoveryBackup, Time: tm(-60), Attributes: json.RawMessage(`{"notes": "x"}`)},
		},
	})
	if _, err := s.ApplyDelta(t.Context(), pveLab, resource.Delta{
		Upserts: []resource.Observation{obs(resource.TypeVM, "qemu/101", "new")},
		Alerts:  []resource.Alert{{ID: "c", Resource: "qemu/101", Severity: resource.SeverityInfo, Kind: "k", Message: "m"}},
	}, tm(3)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkStale(t.Context(), dockerH1, "agent offline", tm(4)); err != nil {
		t.Fatal(err)
	}
}

func TestPersistenceRoundTrip(t *testing.T) {
	s, path := openTemp(t)
	buildRichState(t, s)
	before := dumpOf(s)
	if len(before.Resources) != 5 || len(before.Alerts) != 3 || len(before.Recovery) != 1 || len(before.Sources) != 3 {
		t.Fatalf("unexpected rich state: %d resources, %d alerts, %d recovery points, %d sources",
			len(before.Resources), len(before.Alerts), len(before.Recovery), len(before.Sources))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplySnapshot(t.Context(), pveLab, resource.Snapshot{}, time.Now()); !errors.Is(err, ErrClosed) {
		t.Fatalf("apply after close: %v", err)
	}
	s2 := openAt(t, path)
	defer s2.Close()
	requireEqualDump(t, before, dumpOf(s2))
	// Reopening twice (migration is idempotent) still matches.
	s2.Close()
	s3 := openAt(t, path)
	defer s3.Close()
	requireEqualDump(t, before, dumpOf(s3))
}

func TestFailedApplyChangesNothing(t *testing.T) {
	changed := resource.Snapshot{Resources: []resource.Observation{obs(resource.TypeVM, "qemu/200", "other")}}
	tests := []struct {
		name  string
		apply func(s *Store) error
	}{
		{"cancelled context", func(s *Store) error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := s.ApplySnapshot(ctx, pveLab, changed, at(10))
			return err
		}},
		{"sqlite failure before commit", func(s *Store) error {
			s.beforeCommit = func() error { return errors.New("disk full") }
			defer func() { s.beforeCommit = nil }()
			_, err := s.ApplySnapshot(context.Background(), pveLab, changed, at(10))
			return err
		}},
		{"failed delta", func(s *Store) error {
			s.beforeCommit = func() error { return errors.New("disk full") }
			defer func() { s.beforeCommit = nil }()
			_, err := s.ApplyDelta(context.Background(), pveLab, resource.Delta{Removed: []string{"qemu/100"}}, at(10))
			return err
		}},
		{"failed mark stale", func(s *Store) error {
			s.beforeCommit = func() error { return errors.New("disk full") }
			defer func() { s.beforeCommit = nil }()
			return s.MarkStale(context.Background(), pveLab, "x", at(10))
		}},
		{"non-canonical type", func(s *Store) error {
			_, err := s.ApplySnapshot(context.Background(), pveLab, resource.Snapshot{
				Resources: []resource.Observation{obs("esxi-host", "h1", "h1")}}, at(10))
			return err
		}},
		{"invalid attributes", func(s *Store) error {
			_, err := s.ApplySnapshot(context.Background(), pveLab, resource.Snapshot{
				Resources: []resource.Observation{withAttrs(obs(resource.TypeVM, "qemu/100", "web"), `{"a":`)}}, at(10))
			return err
		}},
		{"duplicate native id", func(s *Store) error {
			_, err := s.ApplySnapshot(context.Background(), pveLab, resource.Snapshot{
				Resources: []resource.Observation{obs(resource.TypeVM, "q", "a"), obs(resource.TypeVM, "q", "b")}}, at(10))
			return err
		}},
		{"bad source", func(s *Store) error {
			_, err := s.ApplySnapshot(context.Background(), resource.SourceRef{Platform: "proxmox-pve", Connection: "a/b"}, changed, at(10))
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, path := openTemp(t)
			buildRichState(t, s)
			before := dumpOf(s)
			if err := tc.apply(s); err == nil {
				t.Fatal("apply succeeded")
			}
			requireEqualDump(t, before, dumpOf(s))
			s.Close()
			s2 := openAt(t, path)
			defer s2.Close()
			requireEqualDump(t, before, dumpOf(s2))
		})
	}
}

func TestSteadyStateWritesLittle(t *testing.T) {
	s, _ := openTemp(t)
	snap := genSnapshot(500, 0)
	snapshot(t, s, pveLab, at(0), snap)
	first := s.rowsWritten
	if first < 1000 {
		t.Fatalf("first apply wrote %d rows", first)
	}
	st := snapshot(t, s, pveLab, at(1), genSnapshot(500, 0))
	if st.Unchanged != 500 || st.Upserted != 0 {
		t.Fatalf("steady stats %+v", st)
	}
	if n := s.rowsWritten - first; n != 0 {
		t.Fatalf("steady-state apply wrote %d rows, want none", n)
	}
	before := s.rowsWritten
	st = snapshot(t, s, pveLab, at(2), genSnapshot(500, 1))
	if st.Upserted != 1 || st.Unchanged != 499 {
		t.Fatalf("one change stats %+v", st)
	}
	if n := s.rowsWritten - before; n != 2 {
		t.Fatalf("one changed record wrote %d rows, want 2", n)
	}
}

// genSnapshot is a PVE-like snapshot of n VMs on n/50+1 nodes with one link
// each; changed VMs (the first ones) get another status.
func genSnapshot(n, changed int) resource.Snapshot {
	var snap resource.Snapshot
	nodes := n/50 + 1
	for i := range nodes {
		snap.Resources = append(snap.Resources, withTopology(obs(resource.TypeAgent, fmt.Sprintf("node/pve%d", i), fmt.Sprintf("pve%d", i),
			key(resource.KeyClusterNode, fmt.Sprintf("lab/pve%d", i))), "cluster", "lab"))
	}
	for i := range n - nodes {
		o := withTopology(withAttrs(obs(resource.TypeVM, fmt.Sprintf("qemu/%d", 100+i), fmt.Sprintf("vm-%05d", i),
			key(resource.KeyVMBIOSUUID, fmt.Sprintf("bios-%d", i))),
			fmt.Sprintf(`{"cpus":%d,"maxmem":%d,"template":false}`, i%8+1, (i%16+1)<<30)), "node", fmt.Sprintf("pve%d", i%nodes), "pool", "prod")
		o.Runtime = "qemu"
		o.Tags = []string{"prod"}
		if i < changed {
			o.Status = resource.StatusStopped
		}
		snap.Resources = append(snap.Resources, o)
		snap.Links = append(snap.Links, resource.Link{From: o.NativeID, Kind: resource.RelRunsOn, To: fmt.Sprintf("node/pve%d", i%nodes)})
	}
	return snap
}
