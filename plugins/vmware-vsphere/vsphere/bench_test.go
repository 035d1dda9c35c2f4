package vsphere_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"

	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// The benchmarks run the lab simulator as a separate process serving the
// 4 clusters x 10 hosts, 1,000 VM model (see newBenchLab), so the figures
// they report for the benchmark process are the adapter's (plus gRPC and
// the test's own client), not the simulator's SOAP/XML work:
//   - ns/op and wall-ms/op: wall time per operation;
//   - adapter-cpu-ms/op: this process's user+system CPU per operation;
//   - sim-cpu-ms/op: the simulator process's CPU per operation;
//   - peak-rss-MB: this process's peak resident set (Maxrss).

// cpuSelf returns this process's user+system CPU time so far.
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMB returns this process's peak resident set in MB.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// meter measures wall and CPU time (this process and the simulator's)
// across a benchmark loop.
type meter struct {
	sim             *simProcess
	wall            time.Time
	selfCPU, simCPU time.Duration
}

func startMeter(sim *simProcess) *meter {
	return &meter{sim: sim, wall: time.Now(), selfCPU: cpuSelf(), simCPU: sim.cpu()}
}

// report reports the per-operation figures for n operations.
func (m *meter) report(b *testing.B, n int) {
	b.Helper()
	if n == 0 {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	b.ReportMetric(ms(time.Since(m.wall)), "wall-ms/op")
	b.ReportMetric(ms(cpuSelf()-m.selfCPU), "adapter-cpu-ms/op")
	b.ReportMetric(ms(m.sim.cpu()-m.simCPU), "sim-cpu-ms/op")
	b.ReportMetric(peakRSSMB(), "peak-rss-MB")
}

// BenchmarkInventoryAndMetrics1000VMs measures one Collect (the full
// inventory read, projection, alerts and one realtime metrics gather) of
// 40 hosts and 1,000 VMs through the gRPC boundary, against a simulator in
// a separate process.
func BenchmarkInventoryAndMetrics1000VMs(b *testing.B) {
	l, sim := newBenchLab(b)
	ctx := context.Background()
	warm := l.collect(ctx) // log in and create the session's views once
	if n := len(warm.Resources); n < 1040 {
		b.Fatalf("bench model has %d resources, want >= 1040", n)
	}
	var resources, metrics, n int
	b.ResetTimer()
	m := startMeter(sim)
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
		n++
	}
	b.StopTimer()
	if metrics == 0 {
		b.Fatal("no metrics gathered")
	}
	m.report(b, n)
	b.ReportMetric(float64(resources), "resources/op")
	b.ReportMetric(float64(metrics), "metrics/op")
}

// BenchmarkWatchLatency measures, on the 1,000 VM model, the time from
// issuing a power change through govmomi to the matching upsert arriving
// through Watch over gRPC (ms/change). Most of it is the simulator's: on
// every update it re-collects each property filter in full (vCenter
// computes deltas incrementally), so its cost grows with the inventory.
func BenchmarkWatchLatency(b *testing.B) {
	l, sim := newBenchLab(b)
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
	m := startMeter(sim)
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
	m.report(b, n)
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms/change")
}
