package agentgw

import (
	"context"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// StaleAlertKind is the kind of the alert raised for a silent agent.
const StaleAlertKind = "agent-silent"

// Watch marks agents silent for three report intervals stale (with the
// reason) and raises an alert on their host record, and marks revoked
// agents stale; nothing is deleted. A later accepted report clears both.
// It checks every tick until ctx ends.
func (g *Gateway) Watch(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := g.CheckStale(ctx); err != nil && ctx.Err() == nil {
				g.log.Warn("stale check failed", "error", err)
			}
		}
	}
}

// CheckStale runs one staleness check.
func (g *Gateway) CheckStale(ctx context.Context) error {
	now := g.now()
	agents, err := ListAgents(ctx, g.db, now)
	if err != nil {
		return err
	}
	for _, a := range agents {
		if a.State == StateRevoked {
			g.closeChannel(a.Fingerprint, "agent key revoked")
		}
		if a.LastReport == nil {
			continue // nothing in the store yet
		}
		var reason string
		switch a.State {
		case StateStale:
			reason = a.StaleReason
		case StateRevoked:
			reason = "agent key revoked at " + a.RevokedAt.Format(time.RFC3339)
		default:
			continue
		}
		g.mu.Lock()
		done := g.stale[a.Fingerprint] == reason
		g.mu.Unlock()
		if done {
			continue
		}
		src := resource.SourceRef{Platform: "agent", Connection: a.Connection}
		if err := g.sink.MarkStale(ctx, src, reason, now); err != nil {
			return err
		}
		// The docker records the agent reported are as stale as its host.
		if dsrc := (resource.SourceRef{Platform: PlatformDocker, Connection: a.Connection}); g.hasSource(dsrc) {
			if err := g.sink.MarkStale(ctx, dsrc, reason, now); err != nil {
				return err
			}
		}
		if a.State == StateStale {
			alert := resource.Alert{ID: StaleAlertKind, Resource: hostID, Severity: resource.SeverityWarning,
				Kind: StaleAlertKind, Message: "pulse-agent on " + a.Hostname + ": " + reason, Started: now}
			if _, err := g.sink.ApplyDelta(ctx, src, resource.Delta{Alerts: []resource.Alert{alert}}, now); err != nil {
				return err
			}
		}
		g.log.Warn("agent stale", "fingerprint", a.Fingerprint, "hostname", a.Hostname, "reason", reason)
		g.mu.Lock()
		g.stale[a.Fingerprint] = reason
		g.mu.Unlock()
	}
	return nil
}

// hasSource reports whether the sink holds records of src (when it can say).
func (g *Gateway) hasSource(src resource.SourceRef) bool {
	if h, ok := g.sink.(interface{ Sources() []resource.SourceRef }); ok {
		for _, s := range h.Sources() {
			if s == src {
				return true
			}
		}
		return false
	}
	return true
}
