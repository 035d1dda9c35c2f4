package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type actionResult struct {
	Outcome    string  `json:"outcome"`
	Reason     string  `json:"reason"`
	Message    string  `json:"message"`
	Platform   string  `json:"platform"`
	DurationMS float64 `json:"duration_ms"`
}

// postAction asks the core's control path for an action.
func postAction(t *testing.T, base, id, action string) (int, actionResult, time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := http.Post(base+"/api/v1/resources/"+id+"/actions", "application/json", strings.NewReader(fmt.Sprintf(`{"action":%q}`, action)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	took := time.Since(start)
	var r struct {
		Result actionResult `json:"result"`
		actionResult
	}
	b := new(bytes.Buffer)
	_, _ = b.ReadFrom(resp.Body)
	_ = json.Unmarshal(b.Bytes(), &r)
	if r.Result.Outcome != "" {
		return resp.StatusCode, r.Result, took
	}
	return resp.StatusCode, r.actionResult, took
}

type dockerRes struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Platform   string          `json:"platform"`
	Status     string          `json:"status"`
	Attributes json.RawMessage `json:"attributes"`
}

// TestDockerAgentEndToEnd: the built pulse-agent with the docker module
// against the fake engine reports containers and a swarm service as records
// of platform docker; a container restart requested through the core's
// control path reaches the agent over its command channel, executes on the
// engine and is audited; with commands off on the agent it is refused.
func TestDockerAgentEndToEnd(t *testing.T) {
	dir := t.TempDir()
	sockDir, err := os.MkdirTemp("", "dk")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	sock := filepath.Join(sockDir, "docker.sock")
	sim := exec.Command(filepath.Join(binDir, "sim", "pulse-sim-docker"), "--socket", sock)
	simOut, _ := sim.StdoutPipe()
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Process.Kill(); _ = sim.Wait() })
	if l, _ := bufio.NewReader(simOut).ReadString('\n'); !strings.HasPrefix(l, "READY unix://") {
		t.Fatalf("sim: %q", l)
	}

	core := startAgentCore(t, dir, "")
	base := core.base
	agentDir := filepath.Join(dir, "agent")
	tok, args := core.enrollArgs(t, agentDir)
	if code, _, stderr := agentCmd(t, tok, args...); code != 0 {
		t.Fatalf("enroll: %s", stderr)
	}
	// report --once accepts the module flags too.
	if code, _, stderr := agentCmd(t, "", "report", "--once", "--config-dir", agentDir, "--enable-docker", "--docker-host", "unix://"+sock); code != 0 {
		t.Fatalf("report --once --enable-docker: %s", stderr)
	}
	var list struct {
		Count     int         `json:"count"`
		Resources []dockerRes `json:"resources"`
	}
	if err := getJSON(base+"/api/v1/resources?platform=docker", &list); err != nil || list.Count != 7 {
		t.Fatalf("docker records after report --once: %v %+v", err, list)
	}
	var web, engine, svc dockerRes
	for _, r := range list.Resources {
		switch {
		case r.Name == "shop-web-1":
			web = r
		case r.Type == "agent":
			engine = r
		case r.Type == "docker-service":
			svc = r
		}
	}
	if web.Type != "app-container" || svc.Name != "api" || svc.Status != "degraded" || !strings.Contains(compact(engine.Attributes), `"swarm_role":"manager"`) {
		t.Fatalf("web %s %s\nservice %s %s\nengine %s", web.Type, web.Name, svc.Name, svc.Status, compact(engine.Attributes))
	}

	log := core.agentCommandsOn(t, web.ID, "restart", filepath.Join(binDir, "pulse-agent"), "run", "--config-dir", agentDir, "--enable-docker", "--docker-host", "unix://"+sock)
	if _, r, _ := postAction(t, base, web.ID, "remove"); r.Outcome != "refused" || !strings.Contains(r.Reason, `does not declare docker action "remove"`) {
		t.Fatalf("undeclared: %+v", r)
	}
	code, r, took := postAction(t, base, web.ID, "restart")
	if code != http.StatusOK || r.Outcome != "succeeded" || !strings.Contains(r.Message, "restart done") {
		t.Fatalf("restart: %d %+v\n%s", code, r, log.String())
	}
	if took > 2*time.Second {
		t.Errorf("restart took %s through the channel (want within 2 s)", took)
	}
	t.Logf("restart requested through the core and executed by the agent in %s (action %v ms)", took, r.DurationMS)
	// The next report shows the restart the engine counted.
	waitFor(t, "the restart in a report", 20*time.Second, func() bool {
		var x dockerRes
		return getJSON(base+"/api/v1/resources/"+web.ID, &x) == nil && strings.Contains(compact(x.Attributes), `"restart_count":1`)
	})
	var audit struct {
		Actions []actionResult `json:"actions"`
	}
	if err := getJSON(base+"/api/v1/actions", &audit); err != nil || len(audit.Actions) != 4 || audit.Actions[0].Outcome != "succeeded" || audit.Actions[0].Platform != "docker" {
		t.Fatalf("audit: %v %+v", err, audit)
	}
}

func compact(b []byte) string {
	var out bytes.Buffer
	_ = json.Compact(&out, b)
	return out.String()
}
