package docker

import (
	"context"

	"github.com/pulsehost/pulse/core/agentwire"
)

// Contribute adds the engine's state to a report's telemetry (the collect
// package's module hook).
func (m *Module) Contribute(t *agentwire.Telemetry) {
	t.Docker = m.Collect(context.Background())
}
