package docker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/client"
)

// Execute runs a container action (start, stop, restart) on the container
// with the given id or name and says what it did.
func (m *Module) Execute(ctx context.Context, action, target string) (string, error) {
	if !slices.Contains(Actions, action) {
		return "", fmt.Errorf("the docker module does not execute %q (it executes %v)", action, Actions)
	}
	if target == "" {
		return "", fmt.Errorf("a container id or name is required")
	}
	var err error
	switch action {
	case "start":
		_, err = m.cli.ContainerStart(ctx, target, client.ContainerStartOptions{})
	case "stop":
		_, err = m.cli.ContainerStop(ctx, target, client.ContainerStopOptions{})
	case "restart":
		_, err = m.cli.ContainerRestart(ctx, target, client.ContainerRestartOptions{})
	}
	if err != nil {
		return "", fmt.Errorf("%s container %s: %w", action, shortID(target), err)
	}
	return fmt.Sprintf("container %s: %s done", shortID(target), action), nil
}

// Executor adapts the module to the command channel: targets are the
// app-container native ids the core projects ("container:<id>").
type Executor struct{ M *Module }

// Actions are the container actions.
func (e Executor) Actions() []string { return Actions }

// Execute runs a container action on "container:<id>".
func (e Executor) Execute(ctx context.Context, action, target string, _ map[string]string) (string, error) {
	id, ok := strings.CutPrefix(target, "container:")
	if !ok {
		return "", fmt.Errorf("target %q is not a container (want container:<id>)", target)
	}
	return e.M.Execute(ctx, action, id)
}
