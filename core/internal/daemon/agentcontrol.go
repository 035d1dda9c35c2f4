package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/agentgw"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// agentControl routes the control path's actions on agent-backed
// platforms to the owning agent's command channel (control.Agents).
type agentControl struct{ gw *agentgw.Gateway }

func (a agentControl) fp(connection string) (string, error) {
	fp, ok := agentgw.FingerprintOf(connection)
	if !ok {
		return "", fmt.Errorf("connection %q is not an agent's", connection)
	}
	return fp, nil
}

// AgentActions implements control.Agents.
func (a agentControl) AgentActions(platform, connection string) ([]string, bool, error) {
	fp, err := a.fp(connection)
	if err != nil {
		return nil, false, err
	}
	return a.gw.Declared(fp, platform)
}

// AgentExecute implements control.Agents.
func (a agentControl) AgentExecute(ctx context.Context, platform, connection string, act sdk.Action) (string, error) {
	fp, err := a.fp(connection)
	if err != nil {
		return "", err
	}
	res, err := a.gw.Dispatch(ctx, fp, agentwire.Command{Platform: platform, Action: act.Name, Target: act.Target, Params: act.Params})
	if errors.Is(err, agentgw.ErrAgentRefused) {
		return "", fmt.Errorf("%w: %s", sdk.ErrActionRefused, res.Message)
	}
	if err != nil {
		return "", err
	}
	return res.Message, nil
}
