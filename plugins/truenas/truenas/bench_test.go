package truenas_test

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
)

// benchSpec is the estate: 50 disks, 5,000 datasets, 20,000
// snapshots, 100 apps (the 5,000 datasets include the five pool roots,
// which are the pools' own resources).
var benchSpec = faketruenas.Spec{Pools: 5, DisksPerPool: 10, Datasets: 5000, Snapshots: 20000, Apps: 100}

// benchCollect measures one Collect through real gRPC against the
// in-process fake (whose CPU and allocations are included), and reports the
// WebSocket messages and bytes per cycle as the client counted them.
func benchCollect(b *testing.B, snapshotInterval string) {
	l := newLab(b, benchSpec, faketruenas.Options{}, truenas.Options{})
	l.configureTimeout(map[string]any{"snapshot_interval": snapshotInterval}, 60e9)
	first := l.mustCollect() // dial, login, host id, first snapshot read
	records := len(first.Resources) + len(first.Relationships) + len(first.Metrics) + len(first.Alerts) + len(first.RecoveryPoints)
	before := l.adapter.Stats("nas")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := l.mustCollect()
		if len(s.Resources) != 1+5+4995+50+100 || len(s.RecoveryPoints) < 20000 {
			b.Fatalf("%d resources, %d recovery points", len(s.Resources), len(s.RecoveryPoints))
		}
	}
	b.StopTimer()
	after := l.adapter.Stats("nas")
	n := float64(b.N)
	b.ReportMetric(float64(after.MessagesSent-before.MessagesSent+after.MessagesReceived-before.MessagesReceived)/n, "msgs/op")
	b.ReportMetric(float64(after.BytesReceived-before.BytesReceived)/n/1e6, "MB-recv/op")
	b.ReportMetric(float64(after.BytesSent-before.BytesSent)/n/1e3, "kB-sent/op")
	b.ReportMetric(float64(records), "records/op")
	if after.Dials != 1 {
		b.Errorf("%d dials; the socket must persist across cycles", after.Dials)
	}
}

// BenchmarkCollectSteady is the steady-state cycle: snapshots and SMART
// results come from memory (snapshot_interval not yet due).
func BenchmarkCollectSteady(b *testing.B) { benchCollect(b, "1h") }

// BenchmarkCollectFull re-reads snapshots and SMART results every cycle
// (what one cycle in every snapshot_interval costs).
func BenchmarkCollectFull(b *testing.B) { benchCollect(b, "0s") }

// BenchmarkCollectSteadyExternal is the steady-state cycle against the
// simulator running as its own process (pulse-sim-truenas -bench), so the
// allocations and CPU reported are the adapter's and gRPC's only.
func BenchmarkCollectSteadyExternal(b *testing.B) {
	url := startExternalSim(b)
	l := newLab(b, faketruenas.Spec{}, faketruenas.Options{}, truenas.Options{})
	l.url = url
	l.tls = sdk.TLSConfig{InsecureSkipVerify: true}
	l.configureTimeout(map[string]any{"snapshot_interval": "1h"}, 60e9)
	first := l.mustCollect()
	records := len(first.Resources) + len(first.Relationships) + len(first.Metrics) + len(first.Alerts) + len(first.RecoveryPoints)
	before := l.adapter.Stats("nas")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if s := l.mustCollect(); len(s.Resources) != 5151 {
			b.Fatalf("%d resources", len(s.Resources))
		}
	}
	b.StopTimer()
	after := l.adapter.Stats("nas")
	n := float64(b.N)
	b.ReportMetric(float64(after.MessagesSent-before.MessagesSent+after.MessagesReceived-before.MessagesReceived)/n, "msgs/op")
	b.ReportMetric(float64(after.BytesReceived-before.BytesReceived)/n/1e6, "MB-recv/op")
	b.ReportMetric(float64(records), "records/op")
}

// startExternalSim builds and starts pulse-sim-truenas -bench on a free
// port and returns its endpoint.
func startExternalSim(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "pulse-sim-truenas")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/pulsehost/pulse/plugins/truenas/cmd/pulse-sim-truenas").CombinedOutput(); err != nil {
		b.Fatalf("build the simulator: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-bench", "-listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return u
		}
	}
	b.Fatal("the simulator exited before READY")
	return ""
}
