package pluginhost

import (
	"context"
	"time"

	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// The calls below are the one sequence the daemon's pollers and `pulse poll`
// share, so testing a connection exercises exactly what the daemon runs.

// Configure decodes a connection block against the plugin's schema and sends
// it, bounded by timeout (which also becomes the connection's call timeout).
func (p *Plugin) Configure(ctx context.Context, build func(sdk.Schema) (sdk.Connection, error), timeout time.Duration) error {
	conn, err := build(p.Schema)
	if err != nil {
		return err
	}
	conn.Timeout = timeout
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return p.RPC.Configure(cctx, conn)
}

// Check tests connection name, bounded by timeout. A call that fails becomes
// one failed sub-check, so the report always says what happened.
func (p *Plugin) Check(ctx context.Context, name string, timeout time.Duration) sdk.CheckReport {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep, err := p.RPC.Check(cctx, name)
	if err != nil {
		return sdk.CheckReport{Checks: []sdk.SubCheck{{Name: "check", Message: err.Error()}}}
	}
	return rep
}

// Collect runs one Collect of connection name, bounded by timeout, and
// validates every record against the plugin's declaration and the model. It
// returns the snapshot to store and the records refused, or why the
// snapshot is incomplete (then nothing may be stored or removed).
func (p *Plugin) Collect(ctx context.Context, name string, timeout time.Duration, now time.Time) (resource.Snapshot, []ingest.Rejection, error) {
	snap, rejected, _, err := p.CollectTimed(ctx, name, timeout, now)
	return snap, rejected, err
}
