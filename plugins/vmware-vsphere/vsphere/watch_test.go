package vsphere_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"

	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// watching runs Watch over gRPC until the test ends, forwarding batches.
type watching struct {
	batches chan *pb.Batch
	done    chan error
	cancel  context.CancelFunc
}

func startWatch(t testing.TB, l *lab) *watching {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watching{batches: make(chan *pb.Batch, 4096), done: make(chan error, 1), cancel: cancel}
	go func() {
		w.done <- l.client.Watch(ctx, "vc", func(b *pb.Batch) error {
			select {
			case w.batches <- b:
			case <-ctx.Done():
			}
			return nil
		})
	}()
	// Stop the watch before the simulator closes (cleanups run LIFO).
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.done:
		case <-time.After(10 * time.Second):
			t.Error("watch did not stop within 10s of cancel")
		}
		l.plugin.watches.Wait()
	})
	return w
}

// until reads batches until ok returns true or the deadline passes.
func (w *watching) until(t testing.TB, d time.Duration, what string, ok func(*pb.Batch) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case b := <-w.batches:
			if ok(b) {
				return
			}
		case err := <-w.done:
			t.Fatalf("watch ended while waiting for %s: %v", what, err)
		case <-deadline:
			t.Fatalf("no %s within %v", what, d)
		}
	}
}

// baseline waits for the initial state (n resources) the watch emits first.
func (w *watching) baseline(t testing.TB, n int) {
	t.Helper()
	seen := 0
	w.until(t, 10*time.Second, "baseline", func(b *pb.Batch) bool {
		seen += len(b.Resources)
		return seen >= n
	})
}

func hasResource(b *pb.Batch, id, status string) bool {
	return slices.ContainsFunc(b.Resources, func(r *pb.Resource) bool { return r.NativeId == id && r.Status == status })
}

func findVM(ctx context.Context, t testing.TB, l *lab, name string) *object.VirtualMachine {
	t.Helper()
	f := find.NewFinder(l.observer(ctx).Client)
	dc, err := f.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.SetDatacenter(dc)
	vm, err := f.VirtualMachine(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

func TestWatchPowerOffWithin2s(t *testing.T) {
	l := newLab(t, tiny)
	ctx := testCtx(t)
	vm := findVM(ctx, t, l, "DC0_C0_RP0_VM0")
	w := startWatch(t, l)
	w.baseline(t, 5) // 2 hosts, 1 datastore, 2 VMs

	start := time.Now()
	task, err := vm.PowerOff(ctx)
	if err != nil || task.Wait(ctx) != nil {
		t.Fatalf("power off: %v", err)
	}
	w.until(t, 2*time.Second, "stopped upsert", func(b *pb.Batch) bool {
		return hasResource(b, vm.Reference().Value, "stopped")
	})
	t.Logf("power-off to delta: %v", time.Since(start))

	task, err = vm.PowerOn(ctx)
	if err != nil || task.Wait(ctx) != nil {
		t.Fatalf("power on: %v", err)
	}
	w.until(t, 2*time.Second, "running upsert", func(b *pb.Batch) bool {
		return hasResource(b, vm.Reference().Value, "running")
	})

	task, err = vm.PowerOff(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err == nil {
		task, err = vm.Destroy(ctx)
		if err == nil {
			err = task.Wait(ctx)
		}
	}
	if err != nil {
		t.Fatalf("destroy: %v", err)
	}
	w.until(t, 2*time.Second, "removal", func(b *pb.Batch) bool {
		return slices.Contains(b.Removed, vm.Reference().Value)
	})
}

func TestAlarmAppearsAndClears(t *testing.T) {
	l := newLab(t, tiny)
	ctx := testCtx(t)
	obs := l.observer(ctx)
	vm := findVM(ctx, t, l, "DC0_C0_RP0_VM1")
	id := "alarm:" + vm.Reference().Value + ":"
	alarmed := func(as []*pb.Alert) bool {
		return slices.ContainsFunc(as, func(a *pb.Alert) bool {
			return strings.HasPrefix(a.NativeId, id) && a.Kind == "vsphere-alarm" && a.Resource == vm.Reference().Value
		})
	}
	if alarmed(l.collect(ctx).Alerts) {
		t.Fatal("alarm before it was triggered")
	}
	w := startWatch(t, l)
	w.baseline(t, 5)

	// The simulator changes triggeredAlarmState without a property-change
	// notification (vCenter sends one), so a rename makes the watch re-read
	// the VM; the alarm must then arrive as a delta.
	raise(ctx, t, obs, vm.Reference(), "vcsim.vm.fatal")
	rename(ctx, t, vm, "alarmed")
	w.until(t, 2*time.Second, "alarm delta", func(b *pb.Batch) bool { return alarmed(b.Alerts) })
	snap := l.collect(ctx)
	if !alarmed(snap.Alerts) {
		t.Fatalf("triggered alarm not in collect: %v", snap.Alerts)
	}
	for _, a := range snap.Alerts {
		if strings.HasPrefix(a.NativeId, id) && a.Severity != "critical" {
			t.Errorf("red alarm severity = %s", a.Severity)
		}
	}

	raise(ctx, t, obs, vm.Reference(), "vcsim.vm.success")
	rename(ctx, t, vm, "cleared")
	w.until(t, 2*time.Second, "cleared alarm delta", func(b *pb.Batch) bool {
		return slices.ContainsFunc(b.ClearedAlerts, func(s string) bool { return strings.HasPrefix(s, id) })
	})
	if alarmed(l.collect(ctx).Alerts) {
		t.Fatal("alarm still reported after it cleared")
	}
}

func rename(ctx context.Context, t testing.TB, vm *object.VirtualMachine, name string) {
	t.Helper()
	task, err := vm.Rename(ctx, name)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("rename: %v", err)
	}
}
