package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// agentCmd runs the built pulse-agent with stdin.
func agentCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "pulse-agent"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

type agentRow struct {
	Fingerprint string `json:"fingerprint"`
	Hostname    string `json:"hostname"`
	State       string `json:"state"`
	EnrolledVia string `json:"enrolled_via"`
	LastSeq     uint64 `json:"last_seq"`
}

// TestAgentEndToEnd drives the built binaries as an operator and a host
// would: pulse serve with an agent listener; a provisioning token; an
// unprivileged pulse-agent enrolling in its own directory with the token on
// stdin and the server pinned by fingerprint; reports (once, and the
// service loop with sd_notify READY); the agent listed by the CLI while
// serve runs and by the API; its records in the store; revocation refused;
// re-enrollment with a new token.
func TestAgentEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addr, agentAddr := freeAddr(t), freeAddr(t)
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, fmt.Sprintf("server {\n  listen = %q\n  agent_listen = %q\n  data_dir = \"data\"\n  auth = \"none\" # loopback; authentication has its own tests\n}\n", addr, agentAddr))
	base := "http://" + addr
	var serveLog bytes.Buffer
	core := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	core.Dir, core.Stderr = dir, &serveLog
	if err := core.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = core.Process.Kill(); _ = core.Wait() })
	var agents []agentRow
	var listed struct {
		Count  int        `json:"count"`
		Agents []agentRow `json:"agents"`
	}
	waitFor(t, "the API", 15*time.Second, func() bool { return getJSON(base+"/api/v1/agents", &listed) == nil })

	code, fp, stderr := pulse(t, dir, "agent", "server-fingerprint", "--config", cfg)
	fp = strings.TrimSpace(fp)
	if code != 0 || !strings.HasPrefix(fp, "SHA256:") {
		t.Fatalf("server-fingerprint = %d %q %s", code, fp, stderr)
	}
	if !strings.Contains(serveLog.String(), fp) {
		t.Fatalf("pulse serve did not log the listener fingerprint %s:\n%s", fp, serveLog.String())
	}
	code, out, stderr := pulse(t, dir, "token", "create", "--config", cfg, "--ttl", "15m", "--uses", "1", "--label", "site=lab")
	token := lastLine(out)
	if code != 0 || !strings.HasPrefix(token, "pulse_") {
		t.Fatalf("token create = %d %q %s", code, out, stderr)
	}

	agentDir := filepath.Join(dir, "agent")
	server := "https://" + agentAddr
	code, out, stderr = agentCmd(t, token+"\n", "enroll", "--server", server, "--token-file", "-", "--server-fingerprint", fp, "--config-dir", agentDir)
	agentFP := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(agentFP, "SHA256:") {
		t.Fatalf("enroll = %d %q %s", code, out, stderr)
	}
	settings, _ := os.ReadFile(filepath.Join(agentDir, "agent.json"))
	if strings.Contains(stderr, token) || strings.Contains(string(settings), token) || strings.Contains(serveLog.String(), token) {
		t.Fatal("the token leaked into a log or the settings")
	}
	if fi, err := os.Stat(filepath.Join(agentDir, "pulse_id")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode: %v %v", fi.Mode(), err)
	}
	if fi, _ := os.Stat(agentDir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("config dir mode %v", fi.Mode())
	}
	// ssh-keygen agrees on the identity.
	if kg, err := exec.LookPath("ssh-keygen"); err == nil {
		out, _ := exec.Command(kg, "-lf", filepath.Join(agentDir, "pulse_id.pub")).Output()
		if f := strings.Fields(string(out)); len(f) < 2 || f[1] != agentFP {
			t.Fatalf("ssh-keygen -lf = %q, enrolled %s", out, agentFP)
		}
	}

	if code, out, stderr = agentCmd(t, "", "report", "--once", "--config-dir", agentDir); code != 0 {
		t.Fatalf("report --once = %d %s %s", code, out, stderr)
	}
	// The CLI lists it while serve runs on the same data_dir.
	code, out, stderr = pulse(t, dir, "agent", "list", "--config", cfg, "--format", "json")
	if code != 0 || json.Unmarshal([]byte(out), &agents) != nil || len(agents) != 1 || agents[0].Fingerprint != agentFP || agents[0].State != "active" || agents[0].EnrolledVia != "token" {
		t.Fatalf("agent list = %d %s %s", code, out, stderr)
	}
	var list resourceList
	if err := getJSON(base+"/api/v1/resources?platform=agent&type=agent", &list); err != nil || list.Count != 1 {
		t.Fatalf("agent resources = %+v %v", list, err)
	}
	host, _ := os.Hostname()
	if list.Resources[0].Name != host {
		t.Fatalf("agent resource name %q, want %q", list.Resources[0].Name, host)
	}

	// The service loop under a fake systemd: READY=1, then reports.
	sock := filepath.Join(dir, "notify.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	runCmd := exec.Command(filepath.Join(binDir, "pulse-agent"), "run", "--config-dir", agentDir)
	runCmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	var runLog bytes.Buffer
	runCmd.Stderr = &runLog
	if err := runCmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = runCmd.Process.Kill(); _ = runCmd.Wait() }()
	buf := make([]byte, 256)
	_ = ln.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := ln.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "READY=1") {
		t.Fatalf("sd_notify: %q %v\n%s", buf[:n], err, runLog.String())
	}
	before := agents[0].LastSeq
	waitFor(t, "a report from pulse-agent run", 10*time.Second, func() bool {
		if getJSON(base+"/api/v1/agents", &listed) != nil || listed.Count != 1 || len(listed.Agents) != 1 {
			return false
		}
		agents = listed.Agents
		return agents[0].LastSeq > before
	})
	_ = runCmd.Process.Signal(os.Interrupt)
	_ = runCmd.Wait()

	// Revoked: refused, with the server's error.
	if code, out, stderr = pulse(t, dir, "agent", "revoke", "--config", cfg, agentFP); code != 0 {
		t.Fatalf("revoke = %d %s %s", code, out, stderr)
	}
	code, _, stderr = agentCmd(t, "", "report", "--once", "--config-dir", agentDir)
	if code == 0 || !strings.Contains(stderr, "403") || !strings.Contains(stderr, "was revoked") {
		t.Fatalf("report after revoke = %d %s", code, stderr)
	}
	// The used token cannot enroll again; a new one can.
	code, _, stderr = agentCmd(t, token, "enroll", "--server", server, "--token-file", "-", "--server-fingerprint", fp, "--config-dir", agentDir)
	if code == 0 || !strings.Contains(stderr, "already used") {
		t.Fatalf("reused token = %d %s", code, stderr)
	}
	_, out, _ = pulse(t, dir, "token", "create", "--config", cfg, "--ttl", "5m")
	tokFile := filepath.Join(dir, "token")
	writeFile(t, tokFile, lastLine(out)+"\n")
	if code, _, stderr = agentCmd(t, "", "enroll", "--server", server, "--token-file", tokFile, "--server-fingerprint", fp, "--config-dir", agentDir); code != 0 {
		t.Fatalf("re-enroll = %d %s", code, stderr)
	}
	if code, _, stderr = agentCmd(t, "", "report", "--once", "--config-dir", agentDir); code != 0 {
		t.Fatalf("report after re-enrolling = %d %s", code, stderr)
	}
	// A wrong pin never talks to the server.
	wrong := "SHA256:" + strings.Repeat("00:", 31) + "00"
	code, _, stderr = agentCmd(t, "x", "enroll", "--server", server, "--token-file", "-", "--server-fingerprint", wrong, "--config-dir", filepath.Join(dir, "other"))
	if code == 0 || !strings.Contains(stderr, "does not match the pinned") {
		t.Fatalf("wrong pin = %d %s", code, stderr)
	}
}
