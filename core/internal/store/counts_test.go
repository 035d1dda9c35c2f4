package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/resource"
)

func TestCountsAndHas(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "pulse.db"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	pve := resource.SourceRef{Platform: "proxmox-pve", Connection: "a"}
	vs := resource.SourceRef{Platform: "vmware-vsphere", Connection: "b"}
	obs := func(typ resource.Type, id string) resource.Observation {
		return resource.Observation{Type: typ, NativeID: id, Name: id, Status: resource.StatusOnline}
	}
	if _, err := s.ApplySnapshot(ctx, pve, resource.Snapshot{Resources: []resource.Observation{obs("agent", "n1"), obs("vm", "100"), obs("vm", "101")}}, time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplySnapshot(ctx, vs, resource.Snapshot{Resources: []resource.Observation{obs("vm", "vm-1")}}, time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkStale(ctx, vs, "poll failed", time.Unix(2, 0)); err != nil {
		t.Fatal(err)
	}
	want := []Count{{Type: "agent", N: 1}, {Type: "vm", N: 2}, {Type: "vm", Stale: true, N: 1}}
	got := s.Counts()
	if len(got) != len(want) {
		t.Fatalf("counts = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("counts = %+v, want %+v", got, want)
		}
	}
	stale := true
	if n := len(s.Resources(Filter{Stale: &stale})); n != 1 {
		t.Fatalf("stale resources = %d, want 1 as Counts says", n)
	}
	if !s.Has(pve, "100") || s.Has(pve, "vm-1") || s.Has(vs, "100") || !s.Has(vs, "vm-1") {
		t.Fatal("Has disagrees with what each source delivered")
	}
}
