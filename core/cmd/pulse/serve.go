package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/daemon"
	"github.com/pulsehost/pulse/plugins/sdk/profiling"
)

// loadConfig parses the --config files, printing diagnostics on failure.
func loadConfig(files []string, stderr io.Writer) (*config.Config, bool) {
	if len(files) == 0 {
		fmt.Fprintln(stderr, "pulse: --config FILE is required (e.g. --config examples/lab.hcl)")
		return nil, false
	}
	cfg, err := config.Parse(files...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	return cfg, true
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pulse serve: unexpected argument %q; configuration files go in --config\n", fs.Arg(0))
		return 2
	}
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return 1
	}
	profiling.Start(profiling.CoreEnv)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := daemon.Logger(cfg.Server)
	if err := daemon.Run(ctx, cfg, log, version, nil); err != nil {
		log.Error("pulse stopped", "error", err)
		return 1
	}
	return 0
}
