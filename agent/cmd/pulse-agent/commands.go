package main

import (
	"context"

	"github.com/hashicorp/go-hclog"
)

// runCommands keeps the command channel to the core open (see cmdchan).
func runCommands(ctx context.Context, l *loaded, r *resolved, log hclog.Logger) {}
