package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// labAgent enrolls a pulse-agent (the binary beside pulse) with the lab's
// core and runs it with the docker module against the lab's fake engine
// (pulse-sim-docker's .lab/docker.sock) and commands enabled, so `make run`
// shows containers and a swarm service and accepts container actions. The
// agent's key and settings live beside the lab's data_dir; a later lab run
// reuses them while the core still accepts them.
type labAgent struct {
	cmd *exec.Cmd
}

func startLabAgent(ctx context.Context, files stringList, dataDir, agentAddr string, stderr io.Writer) (*labAgent, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(filepath.Dir(self), "pulse-agent")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("no pulse-agent beside %s (run `make build`)", self)
	}
	var cfgArgs []string
	for _, f := range files {
		cfgArgs = append(cfgArgs, "--config", f)
	}
	run := func(stdin string, name string, args ...string) (string, error) {
		c := exec.CommandContext(ctx, name, args...)
		c.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		if err := c.Run(); err != nil {
			return "", fmt.Errorf("%s %s: %v: %s", filepath.Base(name), args[0], err, strings.TrimSpace(errb.String()))
		}
		return strings.TrimSpace(out.String()), nil
	}
	dir := filepath.Join(filepath.Dir(dataDir), "agent")
	if _, err := os.Stat(filepath.Join(dir, "agent.json")); err == nil {
		if _, err := run("", bin, "report", "--once", "--config-dir", dir, "--enable-docker=false"); err != nil {
			_ = os.RemoveAll(dir) // enrolled with a core whose data is gone
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "agent.json")); err != nil {
		fp, err := run("", self, append([]string{"agent", "server-fingerprint"}, cfgArgs...)...)
		if err != nil {
			return nil, err
		}
		out, err := run("", self, append([]string{"token", "create", "--ttl", "5m", "--uses", "1", "--label", "lab=docker"}, cfgArgs...)...)
		if err != nil {
			return nil, err
		}
		lines := strings.Split(out, "\n")
		if _, err := run(strings.TrimSpace(lines[len(lines)-1])+"\n", bin, "enroll", "--server", "https://"+agentAddr, "--token-file", "-",
			"--server-fingerprint", fp, "--config-dir", dir, "--interval", "10s"); err != nil {
			return nil, err
		}
	}
	args := []string{"run", "--config-dir", dir, "--enable-commands"}
	if sock, err := filepath.Abs(filepath.Join(".lab", "docker.sock")); err == nil {
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			args = append(args, "--enable-docker", "--docker-host", "unix://"+sock)
		}
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = stderr
	setParentDeath(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &labAgent{cmd: cmd}, nil
}

func (a *labAgent) stop() {
	if a == nil || a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = a.cmd.Process.Kill()
	}
}
