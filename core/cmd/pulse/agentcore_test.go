package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// agentCore is a built `pulse serve` with an agent listener and control on,
// for the agent-backed platforms' end-to-end tests.
type agentCore struct {
	dir, cfg  string
	base      string // the API's URL
	agentAddr string // the agent listener's host:port
	log       *bytes.Buffer
}

// startAgentCore starts the core in dir with extra appended to its
// configuration, waits for its API and stops it when the test ends
// (printing its log when the test failed).
func startAgentCore(t *testing.T, dir, extra string) *agentCore {
	t.Helper()
	addr, agentAddr := freeAddr(t), freeAddr(t)
	c := &agentCore{dir: dir, cfg: filepath.Join(dir, "pulse.hcl"), base: "http://" + addr, agentAddr: agentAddr, log: &bytes.Buffer{}}
	writeFile(t, c.cfg, fmt.Sprintf("server {\n  listen = %q\n  agent_listen = %q\n  data_dir = \"data\"\n  auth = \"none\" # loopback; authentication has its own tests\n}\ncontrol {\n  enabled = true\n}\n%s", addr, agentAddr, extra))
	core := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", c.cfg)
	core.Dir, core.Stderr = dir, c.log
	if err := core.Start(); err != nil {
		t.Fatal(err)
	}
	// Registered first so it runs last, after the core has exited.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pulse serve log:\n%s", c.log.String())
		}
	})
	t.Cleanup(func() { _ = core.Process.Kill(); _ = core.Wait() })
	var listed struct {
		Agents []agentRow `json:"agents"`
	}
	waitFor(t, "the API", 60*time.Second, func() bool { return getJSON(c.base+"/api/v1/agents", &listed) == nil })
	return c
}

// enrollArgs are the `pulse-agent enroll` arguments (after the token on
// stdin) that enroll an agent in configDir with a fresh provisioning token,
// and that token.
func (c *agentCore) enrollArgs(t *testing.T, configDir string) (token string, args []string) {
	t.Helper()
	_, fp, _ := pulse(t, c.dir, "agent", "server-fingerprint", "--config", c.cfg)
	_, out, _ := pulse(t, c.dir, "token", "create", "--config", c.cfg, "--ttl", "15m")
	return lastLine(out) + "\n", []string{"enroll", "--server", "https://" + c.agentAddr, "--token-file", "-",
		"--server-fingerprint", strings.TrimSpace(fp), "--config-dir", configDir, "--interval", "2s"}
}

// agentCommandsOn checks the refusals every agent-backed action meets
// before it can run (the agent offline, then running with commands off),
// then runs the agent with --enable-commands until the test ends and
// returns its log once its command channel is open and the core knows
// commands are on. argv is the agent's binary and its `run` arguments.
func (c *agentCore) agentCommandsOn(t *testing.T, resourceID, action string, argv ...string) *bytes.Buffer {
	t.Helper()
	run := func(extra ...string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(argv[0], append(argv[1:len(argv):len(argv)], extra...)...)
		var log bytes.Buffer
		cmd.Stderr = &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &log
	}
	stop := func(cmd *exec.Cmd) { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }

	// Agent offline (no channel): refused.
	if code, r, _ := postAction(t, c.base, resourceID, action); code == http.StatusOK || r.Outcome != "refused" || !strings.Contains(r.Reason, "offline") {
		t.Fatalf("offline: %d %+v", code, r)
	}
	// Commands off on the agent: refused with that reason.
	agent, log := run()
	waitFor(t, "the command channel", 30*time.Second, func() bool { return strings.Contains(log.String(), "command channel open") })
	if _, r, _ := postAction(t, c.base, resourceID, action); r.Outcome != "refused" || !strings.Contains(r.Reason, "commands are not enabled") {
		t.Fatalf("commands off: %+v\n%s", r, log.String())
	}
	stop(agent)

	agent, log = run("--enable-commands")
	t.Cleanup(func() { stop(agent) })
	waitFor(t, "the command channel", 30*time.Second, func() bool {
		return strings.Contains(log.String(), "command channel open") && strings.Contains(c.log.String(), "commands_enabled=true")
	})
	return log
}
