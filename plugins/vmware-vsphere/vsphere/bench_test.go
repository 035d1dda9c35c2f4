package vsphere_test

import (
	"context"
	"io"
	"log"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"

	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/internal/simlab"
)

// benchLab loads the 4 clusters x 10 hosts, 1,000 VM model. It is saved
// once (govc object.save format) under os.TempDir, keyed by
// simlab.BenchModelVersion: the first run pays ~45 s to build it in the
// simulator, later runs load it in ~2 s.
func benchLab(b *testing.B) *lab {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := simlab.CachedModelDir(ctx, simlab.Bench, simlab.BenchModelVersion)
	if err != nil {
		b.Fatal(err)
	}
	m, err := simlab.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	return newLabWith(b, m, sdktest.New)
}

func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// BenchmarkInventoryAndMetrics1000VMs measures one Collect (the full
// inventory read, projection, alerts and one realtime metrics gather) of
// 40 hosts and 1,000 VMs through the gRPC boundary. Peak RSS is the whole
// test process's, simulator included.
func BenchmarkInventoryAndMetrics1000VMs(b *testing.B) {
	l := benchLab(b)
	ctx := context.Background()
	warm := l.collect(ctx) // log in and create the session's views once
	if n := len(warm.Resources); n < 1040 {
		b.Fatalf("bench model has %d resources, want >= 1040", n)
	}
	var resources, metrics int
	b.ResetTimer()
	for b.Loop() {
		resources, metrics = 0, 0
		err := l.client.Collect(ctx, "vc", func(batch *pb.Batch) error {
			resources += len(batch.Resources)
			metrics += len(batch.Metrics)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if metrics == 0 {
		b.Fatal("no metrics gathered")
	}
	b.ReportMetric(float64(resources), "resources/op")
	b.ReportMetric(float64(metrics), "metrics/op")
	b.ReportMetric(peakRSSMB(), "peak-rss-MB")
}

// BenchmarkWatchLatency measures, on the 1,000 VM model, the time from
// issuing a power change through govmomi to the matching upsert arriving
// through Watch over gRPC. Most of it is the simulator's: on every update
// it re-collects each property filter in full (vCenter computes deltas
// incrementally), so its cost grows with the inventory.
func BenchmarkWatchLatency(b *testing.B) {
	// Power operations on a loaded model make the simulator log missing
	// VM files through the standard logger; keep result lines clean.
	log.SetOutput(io.Discard)
	b.Cleanup(func() { log.SetOutput(os.Stderr) })
	l := benchLab(b)
	ctx := context.Background()
	f := find.NewFinder(l.observer(ctx).Client)
	vms, err := f.VirtualMachineList(ctx, "/*/vm/*")
	if err != nil || len(vms) == 0 {
		b.Fatalf("find vms: %v", err)
	}
	vm := vms[0]
	w := startWatch(b, l)
	w.baseline(b, 1040)
	power := func(on bool) {
		var task *object.Task
		if on {
			task, err = vm.PowerOn(ctx)
		} else {
			task, err = vm.PowerOff(ctx)
		}
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	var total time.Duration
	b.ResetTimer()
	n := 0
	for b.Loop() {
		on := n%2 == 1
		want := "stopped"
		if on {
			want = "running"
		}
		start := time.Now()
		power(on)
		w.until(b, 2*time.Second, want+" upsert", func(batch *pb.Batch) bool { return hasResource(batch, vm.Reference().Value, want) })
		total += time.Since(start)
		n++
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms/change")
	b.ReportMetric(peakRSSMB(), "peak-rss-MB")
}
