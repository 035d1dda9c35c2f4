package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Errors Execute and Actions return for states the control path reports.
var (
	// ErrNoConnection: no such configured connection.
	ErrNoConnection = errors.New("no such connection")
	// ErrNotRunning: the platform's plugin is not running now.
	ErrNotRunning = errors.New("plugin not running")
)

// running returns the running plugin of platform and the poller of
// connection.
func (h *Host) running(platform, connection string) (*Plugin, *poller, error) {
	h.mu.RLock()
	s := h.supervisors[platform]
	h.mu.RUnlock()
	if s == nil {
		return nil, nil, fmt.Errorf("%w: no connection of platform %s is configured", ErrNoConnection, platform)
	}
	i := slices.IndexFunc(s.pollers, func(p *poller) bool { return p.spec.Name == connection })
	if i < 0 {
		return nil, nil, fmt.Errorf("%w: %s/%s is not configured", ErrNoConnection, platform, connection)
	}
	c := s.pollers[i]
	if !c.spec.Enabled {
		return nil, nil, fmt.Errorf("%w: connection %s/%s is disabled (enabled = false)", ErrNotRunning, platform, connection)
	}
	s.mu.Lock()
	p, state, lastErr := s.cur, s.st.State, s.st.LastError
	s.mu.Unlock()
	if p == nil {
		if lastErr != "" {
			lastErr = " (" + lastErr + ")"
		}
		return nil, nil, fmt.Errorf("%w: the %s plugin is %s%s", ErrNotRunning, platform, state, lastErr)
	}
	return p, c, nil
}

// Actions returns the control actions the running plugin of platform
// declared.
func (h *Host) Actions(platform, connection string) ([]string, error) {
	p, _, err := h.running(platform, connection)
	if err != nil {
		return nil, err
	}
	return slices.Clone(p.Info.GetDeclaration().GetActions()), nil
}

// Execute performs one control action through the plugin serving
// platform/connection. ctx bounds it. A plugin that lost the connection's
// configuration (it restarted) is configured again and asked once more.
func (h *Host) Execute(ctx context.Context, platform, connection string, a sdk.Action) (string, error) {
	p, c, err := h.running(platform, connection)
	if err != nil {
		return "", err
	}
	msg, err := p.RPC.Execute(ctx, connection, a)
	if errors.Is(err, sdk.ErrUnknownConnection) && ctx.Err() == nil {
		if cerr := c.configure(ctx, p); cerr != nil {
			return "", fmt.Errorf("configure %s/%s again: %w", platform, connection, cerr)
		}
		msg, err = p.RPC.Execute(ctx, connection, a)
	}
	return msg, err
}
