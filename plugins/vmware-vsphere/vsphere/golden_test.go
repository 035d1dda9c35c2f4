package vsphere_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/internal/simlab"
)

// goldenShape is multi-datacenter and multi-cluster with one host per
// cluster, so VM placement (which the simulator randomises inside a
// cluster) is deterministic.
var goldenShape = simlab.Shape{Datacenters: 2, Clusters: 2, HostsPerCluster: 1, StandaloneHosts: 1, VMsPerPool: 2, Datastores: 1, Folders: 1}

// volatile attribute keys differ between runs (clock, temp paths, random
// simulator usage figures) and are left out of the golden file.
var volatile = map[string]bool{
	"boot_time": true, "url": true, "quick_stats": true, "uptime_seconds": true,
	"cpu_usage_mhz": true, "memory_usage_bytes": true, "created": true, "id": true, "ref": true,
	"current_snapshot": true,
}

// goldenView is the canonical output rendered without run-specific values:
// native ids (the simulator numbers datastores in random order) are replaced
// by "type datacenter/name" labels.
type goldenView struct {
	Counts        map[string]int   `json:"counts"`
	Resources     []goldenResource `json:"resources"`
	Relationships []string         `json:"relationships"`
	Alerts        []string         `json:"alerts"`
	Metrics       map[string]int   `json:"metrics_per_name"`
	MetricTargets map[string]int   `json:"metric_targets_per_type"`
}

type goldenResource struct {
	Label      string            `json:"label"`
	Status     string            `json:"status"`
	Runtime    string            `json:"runtime,omitempty"`
	Topology   map[string]string `json:"topology,omitempty"`
	Identity   []string          `json:"identity,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Attributes map[string]any    `json:"attributes"`
}

func render(t testing.TB, snap *sdktest.Snapshot) goldenView {
	t.Helper()
	v := goldenView{Counts: map[string]int{}, Metrics: map[string]int{}, MetricTargets: map[string]int{}}
	label := map[string]string{}
	typ := map[string]string{}
	for _, r := range snap.Resources {
		label[r.NativeId] = fmt.Sprintf("%s %s/%s", r.Type, r.Topology["datacenter"], r.Name)
		typ[r.NativeId] = r.Type
	}
	for _, r := range snap.Resources {
		v.Counts[r.Type]++
		g := goldenResource{Label: label[r.NativeId], Status: r.Status, Runtime: r.Runtime, Topology: r.Topology, Tags: r.Tags}
		for _, k := range r.Identity {
			g.Identity = append(g.Identity, k.Kind+"="+k.Value)
		}
		var attrs map[string]any
		if err := json.Unmarshal(r.Attributes, &attrs); err != nil {
			t.Fatalf("%s attributes: %v", r.NativeId, err)
		}
		g.Attributes = scrub(attrs).(map[string]any)
		v.Resources = append(v.Resources, g)
	}
	sort.Slice(v.Resources, func(i, j int) bool { return v.Resources[i].Label < v.Resources[j].Label })
	for _, rel := range snap.Relationships {
		v.Relationships = append(v.Relationships, fmt.Sprintf("%s %s %s", label[rel.From], rel.Kind, label[rel.To]))
	}
	sort.Strings(v.Relationships)
	for _, a := range snap.Alerts {
		v.Alerts = append(v.Alerts, fmt.Sprintf("%s %s [%s] %s", a.Kind, a.Severity, label[a.Resource], a.Message))
	}
	sort.Strings(v.Alerts)
	for _, m := range snap.Metrics {
		v.Metrics[m.Name]++
		if m.Name == "cpu_usage_ratio" {
			v.MetricTargets[typ[m.Resource]]++
		}
	}
	return v
}

func scrub(x any) any {
	switch v := x.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if !volatile[k] {
				out[k] = scrub(e)
			}
		}
		if hosts, ok := out["hosts"].([]any); ok {
			out["hosts"] = len(hosts)
		}
		return out
	case []any:
		for i := range v {
			v[i] = scrub(v[i])
		}
	}
	return x
}

// decorate gives the golden model what a plain simulator lacks: guest
// identity from VMware Tools, a snapshot tree, a powered-off and a
// suspended VM, a triggered alarm, an error event and a failed task.
func decorate(ctx context.Context, t testing.TB, m *simulator.Model, c *govmomi.Client) {
	t.Helper()
	finder := find.NewFinder(c.Client)
	vm := func(path string) *object.VirtualMachine {
		v, err := finder.VirtualMachine(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	web := vm("/DC0/vm/DC0_C0_RP0_VM0")
	sim := m.Map().Get(web.Reference()).(*simulator.VirtualMachine)
	m.Map().WithLock(m.Service.Context, sim, func() {
		sim.Guest.HostName = "web01.lab.example"
		sim.Guest.IpAddress = "10.0.0.21"
		sim.Guest.GuestFullName = "Ubuntu Linux (64-bit)"
		sim.Guest.Net = []types.GuestNicInfo{{IpAddress: []string{"10.0.0.21", "fe80::1", "2001:db8::21"}}}
		// vCenter keeps the summary in step with the guest info.
		if sim.Summary.Guest == nil {
			sim.Summary.Guest = new(types.VirtualMachineGuestSummary)
		}
		sim.Summary.Guest.HostName = sim.Guest.HostName
		sim.Summary.Guest.IpAddress = sim.Guest.IpAddress
		sim.Summary.Guest.GuestFullName = sim.Guest.GuestFullName
	})
	task, err := web.CreateSnapshot(ctx, "before-upgrade", "first", false, false)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err == nil {
		task, err = web.CreateSnapshot(ctx, "after-upgrade", "", false, false)
		if err == nil {
			err = task.Wait(ctx)
		}
	}
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	off := vm("/DC0/vm/DC0_C1_RP0_VM1")
	if task, err := off.PowerOff(ctx); err != nil || task.Wait(ctx) != nil {
		t.Fatalf("power off: %v", err)
	}
	sus := vm("/F0/DC1/vm/F0/DC1_C0_RP0_VM0")
	if task, err := sus.Suspend(ctx); err != nil || task.Wait(ctx) != nil {
		t.Fatalf("suspend: %v", err)
	}
	// A power-on of a running VM fails: a failed task.
	if task, err := web.PowerOn(ctx); err == nil {
		_ = task.Wait(ctx)
	}
	raise(ctx, t, c, web.Reference(), "vcsim.vm.fatal")
}

// raise posts an EventEx that the simulator's "vcsim VM Alarm" evaluates
// (vcsim.vm.fatal: red, vcsim.vm.success: green).
func raise(ctx context.Context, t testing.TB, c *govmomi.Client, vm types.ManagedObjectReference, id string) {
	t.Helper()
	sev := "info"
	if strings.HasSuffix(id, "fatal") {
		sev = "error"
	}
	err := event.NewManager(c.Client).PostEvent(ctx, &types.EventEx{
		EventTypeId: id, ObjectType: "VirtualMachine", ObjectId: vm.Value, Severity: sev,
		Message: "simulated " + id,
	})
	if err != nil {
		t.Fatalf("post event: %v", err)
	}
}

func TestGoldenMultiDatacenter(t *testing.T) {
	l := newLab(t, goldenShape)
	ctx := testCtx(t)
	decorate(ctx, t, l.model, l.observer(ctx))
	snap := l.collect(ctx)
	if len(snap.RecoveryPoints) != 0 {
		t.Errorf("recovery points emitted: %d (recovery is n/a in phase 1)", len(snap.RecoveryPoints))
	}
	for _, r := range snap.Resources {
		switch r.Type {
		case "agent", "vm", "storage":
		default:
			t.Errorf("resource %s has type %s outside the declared projections", r.NativeId, r.Type)
		}
	}
	seen := sdktest.CheckMetrics(t, snap)
	for _, typ := range []resource.Type{resource.TypeVM, resource.TypeAgent} {
		sdktest.RequireMetrics(t, seen, typ, "cpu_usage_ratio", "memory_used_bytes", "memory_total_bytes",
			"disk_read_bytes_total", "disk_write_bytes_total", "network_receive_bytes_total", "network_transmit_bytes_total")
	}
	sdktest.RequireMetrics(t, seen, resource.TypeStorage, "storage_used_bytes", "storage_total_bytes")
	sdktest.Golden(t, "golden/multi-datacenter.json", render(t, snap))
	checkSnapshotTree(t, snap)
}

// checkSnapshotTree checks the nesting the golden file scrubs ids from.
func checkSnapshotTree(t *testing.T, snap *sdktest.Snapshot) {
	t.Helper()
	var vm *pb.Resource
	for _, r := range snap.Resources {
		if r.Name == "DC0_C0_RP0_VM0" {
			vm = r
		}
	}
	var attrs struct {
		Snapshots []struct {
			Name     string `json:"name"`
			ID       int    `json:"id"`
			Created  string `json:"created"`
			Children []struct {
				Name string `json:"name"`
			} `json:"children"`
		} `json:"snapshots"`
		Current string `json:"current_snapshot"`
	}
	if vm == nil || json.Unmarshal(vm.Attributes, &attrs) != nil {
		t.Fatal("web VM missing or unreadable")
	}
	s := attrs.Snapshots
	if len(s) != 1 || s[0].Name != "before-upgrade" || s[0].Created == "" || s[0].ID == 0 ||
		len(s[0].Children) != 1 || s[0].Children[0].Name != "after-upgrade" || attrs.Current == "" {
		t.Errorf("snapshot tree = %+v", attrs)
	}
}
