package pve_test

import (
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
)

// BenchmarkCycle20Nodes5000Guests measures one steady-state cycle of a
// 20-node, 5,000-guest Ceph cluster end to end: the fake serving over HTTPS
// in the same process, the adapter reading and projecting, and the records
// crossing the real gRPC boundary. It reports requests per cycle and
// records per cycle besides time and allocations.
func BenchmarkCycle20Nodes5000Guests(b *testing.B) {
	l := newLab(b, fakepve.Generate(fakepve.Spec{Nodes: 20, Guests: 5000, Ceph: true}),
		pve.Options{SlowCycles: 1 << 30, SlowEvery: 1 << 62}, fakepve.Options{})
	l.configure("big", tokenConfig(l.member.URL()))
	first := l.mustCollect("big") // the slow pass, outside the measurement
	l.fake.ResetCounts()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.collect("big"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(l.fake.Requests())/float64(b.N), "requests/op")
	b.ReportMetric(float64(records(first)), "records/op")
	_ = time.Second
}
