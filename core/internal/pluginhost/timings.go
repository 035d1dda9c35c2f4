package pluginhost

import (
	"context"
	"time"

	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// CollectTimings splits one Collect's wall time between the plugin and the
// core, so an operator sees where a poll's time goes (`pulse poll
// --timings`).
type CollectTimings struct {
	// Receive is the Collect RPC less Validate: the plugin asking its
	// platform, building records and streaming them, and the wire.
	Receive time.Duration
	// Validate is the core checking every record against the plugin's
	// declaration and the model, and assembling the snapshot.
	Validate time.Duration
	// Batches is how many record batches the plugin streamed.
	Batches int
}

// CollectTimed is Collect that also reports how its time divides.
func (p *Plugin) CollectTimed(ctx context.Context, name string, timeout time.Duration, now time.Time) (resource.Snapshot, []ingest.Rejection, CollectTimings, error) {
	var tm CollectTimings
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	asm := ingest.NewAssembler(p.Rule, now)
	start := time.Now()
	err := p.RPC.Collect(cctx, name, func(b *pb.Batch) error {
		t0 := time.Now()
		err := asm.Add(b)
		tm.Validate += time.Since(t0)
		tm.Batches++
		return err
	})
	if err != nil {
		tm.Receive = time.Since(start) - tm.Validate
		return resource.Snapshot{}, nil, tm, err
	}
	tm.Receive = time.Since(start) - tm.Validate
	t0 := time.Now()
	snap, rejected := asm.Snapshot()
	tm.Validate += time.Since(t0)
	return snap, rejected, tm, nil
}
