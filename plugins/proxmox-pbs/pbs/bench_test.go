package pbs_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/fakepbs"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/pbs"
)

// bigServer is 4 datastores × 25,000 snapshots: per datastore 5 namespaces
// (root, site-a, site-a/prod, site-b, site-b/prod) × 50 groups × 100
// snapshots.
func bigServer() *fakepbs.Server {
	return fakepbs.Generate(fakepbs.Spec{Datastores: 4, Namespaces: 2, Groups: 50, Snapshots: 100})
}

// benchCycles measures cycles of the 100,000-snapshot server end to end:
// the fake serving over HTTPS in the same process, the adapter reading and
// projecting, every record crossing the real gRPC boundary. It reports
// requests and response bytes per cycle (counted by the fake) and records.
func benchCycles(b *testing.B, steady bool) {
	l := newLab(b, bigServer(), pbs.Options{SlowCycles: 1 << 30, SlowEvery: 1 << 62}, fakeapi.Options{})
	l.configure("big", tokenConfig(l.url))
	first := l.mustCollect("big")
	if len(first.RecoveryPoints) != 100000 {
		b.Fatalf("%d recovery points", len(first.RecoveryPoints))
	}
	l.fake.ResetCounts()
	snapshotLists := 0
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if !steady {
			b.StopTimer()
			l.configure("big", tokenConfig(l.url)) // a fresh connection: nothing cached
			l.fake.ResetCounts()
			b.StartTimer()
		}
		snap, err := l.collect("big")
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.RecoveryPoints) != 100000 {
			b.Fatalf("%d recovery points", len(snap.RecoveryPoints))
		}
		snapshotLists += l.fake.RequestsByPath()["/admin/datastore/{store}/snapshots"]
	}
	b.StopTimer()
	// CPU of the whole process (fake, adapter, both ends of gRPC): on a
	// shared machine wall time says more about the neighbours.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	n := float64(b.N)
	if !steady {
		n = 1 // counters were reset before the last cycle
	}
	b.ReportMetric(float64(l.fake.Requests())/n, "requests/op")
	b.ReportMetric(float64(l.fake.Bytes())/n, "resp-bytes/op")
	b.ReportMetric(float64(first.Records()), "records/op")
	if steady {
		b.ReportMetric(float64(snapshotLists)/float64(b.N), "snapshot-lists/op")
	}
}

func n_is_fresh(steady bool) bool { return steady }

// BenchmarkPBSSteadyCycle4x25000 is the steady state: unchanged groups cost
// no snapshot listing.
func BenchmarkPBSSteadyCycle4x25000(b *testing.B) { benchCycles(b, true) }

// BenchmarkPBSFirstCycle4x25000 is a cold cycle: every group's snapshots
// are listed (1,000 listings).
func BenchmarkPBSFirstCycle4x25000(b *testing.B) { benchCycles(b, false) }

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
