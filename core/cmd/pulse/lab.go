package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pulsehost/pulse/core/internal/daemon"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
)

// SimPrefix is the file name prefix of platform simulators started by the lab.
const SimPrefix = "pulse-sim-"

func runLab(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (default examples/lab.hcl)")
	noSims := fs.Bool("no-sims", false, "do not start simulators (they already run)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if len(files) == 0 {
		files = stringList{filepath.Join("examples", "lab.hcl")}
	}
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := daemon.Logger(cfg.Server)

	if !*noSims {
		sims, err := startSimulators(pluginhost.SearchDirs(cfg.Server.PluginDir), stderr)
		defer func() {
			for _, s := range sims {
				_ = s.Process.Signal(syscall.SIGTERM)
				_ = s.Wait()
			}
		}()
		if err != nil {
			fmt.Fprintln(stderr, "pulse lab:", err)
			return 1
		}
		for _, s := range sims {
			fmt.Fprintf(stdout, "simulator %s ready\n", filepath.Base(s.Path))
		}
	}
	ready := make(chan string, 1)
	go func() {
		select {
		case addr := <-ready:
			fmt.Fprintf(stdout, "\nPulse lab is up. API: http://%s/api/v1/resources  connections: http://%s/api/v1/connections  (Ctrl-C stops it)\n", addr, addr)
		case <-ctx.Done():
		}
	}()
	agentReady := make(chan string, 1)
	var agent atomic.Pointer[labAgent]
	defer func() { agent.Load().stop() }()
	go func() {
		select {
		case addr := <-agentReady:
			a, err := startLabAgent(ctx, files, cfg.Server.DataDir, addr, stderr)
			if err != nil {
				fmt.Fprintln(stderr, "pulse lab: no lab agent:", err)
				return
			}
			agent.Store(a)
			fmt.Fprintln(stdout, "lab pulse-agent running (docker module, commands enabled)")
		case <-ctx.Done():
		}
	}()
	if err := daemon.RunWith(ctx, cfg, log, version, daemon.Hooks{APIReady: ready, AgentReady: agentReady}); err != nil {
		log.Error("pulse stopped", "error", err)
		return 1
	}
	return 0
}

// startSimulators starts every pulse-sim-* binary found in dirs and waits for
// each to print its READY line.
func startSimulators(dirs []string, stderr io.Writer) ([]*exec.Cmd, error) {
	seen := map[string]bool{}
	var cmds []*exec.Cmd
	for _, dir := range dirs {
		matches, _ := filepath.Glob(filepath.Join(dir, SimPrefix+"*"))
		for _, path := range matches {
			name := filepath.Base(path)
			if seen[name] {
				continue
			}
			seen[name] = true
			// Not CommandContext: the lab stops simulators itself, after the
			// core has logged out of them.
			cmd := exec.Command(path)
			cmd.Stderr = stderr
			setParentDeath(cmd)
			out, err := cmd.StdoutPipe()
			if err != nil {
				return cmds, err
			}
			if err := cmd.Start(); err != nil {
				return cmds, fmt.Errorf("start %s: %w", name, err)
			}
			cmds = append(cmds, cmd)
			if err := waitReady(out, name, 90*time.Second); err != nil {
				return cmds, err
			}
		}
	}
	if len(cmds) == 0 {
		fmt.Fprintf(stderr, "pulse lab: no %s* simulators found in %v; run `make build`\n", SimPrefix, dirs)
	}
	return cmds, nil
}

// waitReady reads a simulator's stdout until its READY line, then keeps
// draining it in the background.
func waitReady(r io.Reader, name string, timeout time.Duration) error {
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return fmt.Errorf("simulator %s exited before it was ready", name)
			}
			if strings.HasPrefix(l, "READY") {
				go func() {
					for range lines {
					}
				}()
				return nil
			}
			fmt.Fprintf(os.Stderr, "%s: %s\n", name, l)
		case <-deadline:
			return fmt.Errorf("simulator %s not ready after %s", name, timeout)
		}
	}
}
