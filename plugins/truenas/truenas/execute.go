package truenas

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/tnrpc"
)

// execute runs app start, stop or restart as a job, follows the job, then
// reads the app's state back until it is what the action promises.
func (c *conn) execute(ctx context.Context, act sdk.Action) (string, error) {
	if !slices.Contains(Actions, act.Name) {
		return "", fmt.Errorf("%w: %q is not an action of truenas; it performs %s, on apps only", sdk.ErrActionRefused, act.Name, strings.Join(Actions, ", "))
	}
	name, ok := strings.CutPrefix(act.Target, "app/")
	if !ok || name == "" {
		return "", fmt.Errorf("%w: %s acts on apps (app/<name>), not on %q; nothing else on TrueNAS is writable through Pulse", sdk.ErrActionRefused, act.Name, act.Target)
	}
	if len(act.Params) > 0 {
		return "", fmt.Errorf("%w: app %s takes no parameters", sdk.ErrActionRefused, act.Name)
	}
	before, err := c.appState(ctx, name)
	if err != nil {
		return "", err
	}
	if act.Name == "stop" {
		c.mu.Lock()
		c.stopping[name] = true
		c.mu.Unlock()
	}
	job, err := c.client.CallJob(ctx, "app."+act.Name, []any{name})
	if err != nil {
		var je *tnrpc.JobError
		if errors.As(err, &je) {
			return "", fmt.Errorf("%s app %q: %w", act.Name, name, err)
		}
		return "", fmt.Errorf("%s app %q: %w", act.Name, name, explain(err, "app."+act.Name))
	}
	want := "RUNNING"
	if act.Name == "stop" {
		want = "STOPPED"
	}
	cctx, cancel := context.WithTimeout(ctx, c.opts.ConfirmTimeout)
	defer cancel()
	state := ""
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		state, err = c.appState(cctx, name)
		if err != nil {
			return "", fmt.Errorf("%s app %q: job %d succeeded, but reading the state back failed: %w", act.Name, name, job.ID, err)
		}
		if state == want {
			break
		}
		t := time.NewTimer(delay)
		select {
		case <-cctx.Done():
			t.Stop()
			return "", fmt.Errorf("%s app %q: job %d succeeded, but the app is %s, not %s, after %s", act.Name, name, job.ID, state, want, c.opts.ConfirmTimeout)
		case <-t.C:
		}
	}
	return fmt.Sprintf("app %s: %s job %d %s; state read back: %s (was %s)", name, act.Name, job.ID, job.State, state, before), nil
}

// appState reads one app's state; an unknown app is refused.
func (c *conn) appState(ctx context.Context, name string) (string, error) {
	var apps []appRow
	err := c.client.Call(ctx, "app.query", []any{[]any{[]any{"name", "=", name}}, map[string]any{"select": []any{"name", "state"}}}, &apps)
	if err != nil {
		return "", explain(err, "app.query")
	}
	if len(apps) == 0 {
		return "", fmt.Errorf("%w: there is no app named %q on connection %s", sdk.ErrActionRefused, name, c.name)
	}
	return apps[0].State, nil
}
