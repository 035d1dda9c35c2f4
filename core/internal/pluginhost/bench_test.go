package pluginhost

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/internal/testplugin"
	"github.com/pulsehost/pulse/plugins/sdk"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

// BenchmarkPluginStartToFirstRPC launches the real plugin binary with
// AutoMTLS and measures the time until its first RPC (Info) answers.
func BenchmarkPluginStartToFirstRPC(b *testing.B) {
	path := filepath.Join(pluginDir, "pulse-plugin-proxmox-pmg")
	var total, launch time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		p, err := Launch(context.Background(), path, hclog.NewNullLogger())
		if err != nil {
			b.Fatal(err)
		}
		launch += time.Since(start) // includes governance check and Schema
		total += p.StartDuration
		p.Kill()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "start-to-first-rpc-ms")
	b.ReportMetric(float64(launch.Microseconds())/1000/float64(b.N), "launch-ready-ms")
}

// BenchmarkBoundary10kResources measures one Collect of 10,000 resources
// (plus a metric each) through the real plugin binary against the same
// projection run in process, in the same run, and reports the ratio.
func BenchmarkBoundary10kResources(b *testing.B) {
	const n = 10000
	control := filepath.Join(b.TempDir(), "mode")
	if err := os.WriteFile(control, []byte("count:10000"), 0o644); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"control_file": control})
	conn := sdk.Connection{Name: "bench", Config: raw}
	ctx := context.Background()

	local := testplugin.New(hclog.NewNullLogger())
	if err := local.Configure(ctx, conn); err != nil {
		b.Fatal(err)
	}
	p, err := Launch(ctx, filepath.Join(pluginDir, "pulse-plugin-proxmox-pmg"), hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Kill()
	if err := p.RPC.Configure(ctx, conn); err != nil {
		b.Fatal(err)
	}

	var inProc, wire, wireIngest time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		c := &sdktest.Collector{}
		if err := local.Collect(ctx, "bench", c); err != nil || len(c.Resources) != n {
			b.Fatalf("in process: %v, %d", err, len(c.Resources))
		}
		inProc += time.Since(start)

		start = time.Now()
		got := 0
		if err := p.RPC.Collect(ctx, "bench", func(bt *pb.Batch) error { got += len(bt.Resources); return nil }); err != nil || got != n {
			b.Fatalf("wire: %v, %d", err, got)
		}
		wire += time.Since(start)

		start = time.Now()
		asm := ingest.NewAssembler(p.Rule, start)
		if err := p.RPC.Collect(ctx, "bench", asm.Add); err != nil {
			b.Fatal(err)
		}
		if snap, rej := asm.Snapshot(); len(snap.Resources) != n || len(rej) != 0 {
			b.Fatalf("ingest: %d resources, %d rejected", len(snap.Resources), len(rej))
		}
		wireIngest += time.Since(start)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(inProc), "in-process-ms")
	b.ReportMetric(ms(wire), "wire-ms")
	b.ReportMetric(ms(wireIngest), "wire+validate-ms")
	b.ReportMetric(float64(wire)/float64(inProc), "wire/in-process")
	b.ReportMetric(float64(wireIngest)/float64(inProc), "wire+validate/in-process")
}
