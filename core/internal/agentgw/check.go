package agentgw

import (
	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// checked holds a snapshot the gateway projected for platform id to the
// rules plugins' records are held to (ingest.CheckSnapshot) and returns what
// passes. A rejection is a projection bug, not bad input (the report was
// validated on the wire), so each distinct reason is logged once, as a
// warning, rather than with every report.
func (g *Gateway) checked(fp string, id platform.ID, snap resource.Snapshot) resource.Snapshot {
	p, ok := platform.Lookup(id)
	if !ok {
		g.log.Error("projection for a platform outside the governed model dropped", "platform", id, "fingerprint", fp)
		return resource.Snapshot{}
	}
	out, rej := ingest.CheckSnapshot(p, snap)
	g.rejected.Add(uint64(len(rej)))
	for _, r := range rej {
		if _, seen := g.rejectionsLogged.LoadOrStore(string(id)+"\x00"+r.Kind+"\x00"+r.Reason, true); !seen {
			g.log.Warn("projected record rejected", "platform", id, "fingerprint", fp, "kind", r.Kind, "native_id", r.NativeID, "reason", r.Reason)
		}
	}
	return out
}

// Rejected is how many projected records the gateway has left out since it
// started: zero unless a projection breaks the governed model's rules.
func (g *Gateway) Rejected() uint64 { return g.rejected.Load() }
