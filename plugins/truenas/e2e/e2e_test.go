// Package e2e runs the TrueNAS row end to end as an operator would: the
// built pulse, pulse-plugin-truenas and pulse-sim-truenas binaries, `pulse
// poll`, `pulse serve`, and an app restart requested through the core's API
// with `pulse action`, confirmed and audited.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pulse-truenas-e2e")
	if err != nil {
		panic(err)
	}
	for _, b := range []struct{ out, pkg string }{
		{"pulse", "github.com/pulsehost/pulse/core/cmd/pulse"},
		{"pulse-plugin-truenas", "github.com/pulsehost/pulse/plugins/truenas"},
		{"pulse-sim-truenas", "github.com/pulsehost/pulse/plugins/truenas/cmd/pulse-sim-truenas"},
	} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, b.out), b.pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b.pkg, err, out)
			os.Exit(1)
		}
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startSim runs the simulator on a free port and returns its endpoint.
func startSim(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "pulse-sim-truenas"), "-listen", "127.0.0.1:0", "-deploy", "200ms")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if url, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return url
		}
	}
	t.Fatal("the simulator exited before READY")
	return ""
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func pulse(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "pulse"), args...)
	cmd.Dir = dir
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

func writeConfig(t *testing.T, dir, listen, endpoint, control string) string {
	path := filepath.Join(dir, "pulse.hcl")
	src := fmt.Sprintf(`server {
  listen     = %q
  data_dir   = "data"
  auth       = "none" # loopback; authentication has its own tests
  plugin_dir = %q
}
connection "truenas" "nas" {
  endpoint      = %q
  api_key       = env("TRUENAS_API_KEY")
  poll_interval = "2s"
  timeout       = "2s"
  tls { insecure_skip_verify = true }
}
%s
`, listen, binDir, endpoint, control)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}

type resources struct {
	Resources []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Type   string `json:"type"`
		Status string `json:"status"`
	} `json:"resources"`
}

func TestRowEndToEnd(t *testing.T) {
	t.Setenv("TRUENAS_API_KEY", faketruenas.DefaultAPIKey)
	endpoint := startSim(t)
	dir := t.TempDir()
	listen := freeAddr(t)
	cfg := writeConfig(t, dir, listen, endpoint, "control {\n  enabled = true\n  connection \"truenas\" \"nas\" { actions = [\"restart\", \"start\"] }\n}")

	// pulse poll: Check and one Collect through the real plugin.
	code, out, errOut := pulse(t, dir, "poll", "--config", cfg, "nas")
	if code != 0 {
		t.Fatalf("pulse poll: %d\n%s\n%s", code, out, errOut)
	}
	var poll struct {
		Check struct {
			EndpointVersion string `json:"endpoint_version"`
		} `json:"check"`
		Resources      []any `json:"resources"`
		Alerts         []any `json:"alerts"`
		RecoveryPoints []any `json:"recovery_points"`
		Rejected       []any `json:"rejected"`
	}
	if err := json.Unmarshal([]byte(out), &poll); err != nil {
		t.Fatal(err)
	}
	if poll.Check.EndpointVersion != "25.10.1" || len(poll.Resources) != 21 || len(poll.Alerts) != 10 || len(poll.RecoveryPoints) != 16 || len(poll.Rejected) != 0 {
		t.Fatalf("poll: version %s, %d resources, %d alerts, %d recovery points, %d rejected",
			poll.Check.EndpointVersion, len(poll.Resources), len(poll.Alerts), len(poll.RecoveryPoints), len(poll.Rejected))
	}
	if strings.Contains(out+errOut, faketruenas.DefaultAPIKey) {
		t.Fatal("pulse poll printed the API key")
	}

	// pulse serve.
	serve := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	serve.Dir = dir
	var serveLog bytes.Buffer
	serve.Stdout, serve.Stderr = &serveLog, &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
		if t.Failed() {
			t.Logf("pulse serve log:\n%s", serveLog.String())
		}
	}()
	base := "http://" + listen
	var plexID string
	for deadline := time.Now().Add(20 * time.Second); plexID == ""; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the core never served the TrueNAS apps")
		}
		var rs resources
		if getJSON(t, base+"/api/v1/resources?platform=truenas&type=app-container", &rs) == http.StatusOK {
			for _, r := range rs.Resources {
				if r.Name == "plex" {
					plexID = r.ID
				}
			}
		}
	}

	// An app restart requested through the core's API, by the CLI.
	code, out, errOut = pulse(t, dir, "action", "--config", cfg, plexID, "restart")
	if code != 0 {
		t.Fatalf("pulse action restart: %d\n%s\n%s", code, out, errOut)
	}
	var res struct {
		ID             int64  `json:"id"`
		Outcome        string `json:"outcome"`
		Message        string `json:"message"`
		Classification string `json:"classification"`
		Actor          string `json:"actor"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "succeeded" || res.Classification != "supported" || !strings.Contains(res.Message, "state read back: RUNNING") ||
		!strings.Contains(res.Actor, "cli ") {
		t.Fatalf("restart: %+v", res)
	}

	// The same restart asked by an assistant over MCP (/mcp on the API
	// listener): the plan is a dry run through the core's checks, the
	// confirmed call goes through the same control path and audit.
	assistantRestart(t, base, plexID)

	// Refused by the operator's narrowing; by the plugin (no such app, by source key).
	code, out, _ = pulse(t, dir, "action", "--config", cfg, plexID, "stop")
	if code != 1 || !strings.Contains(out, `allows only restart, start on truenas/nas, not \"stop\"`) {
		t.Fatalf("stop: %d %s", code, out)
	}
	code, out, _ = pulse(t, dir, "action", "--config", cfg, "truenas/nas/app/home-assistant", "start")
	if code != 0 || !strings.Contains(out, "state read back: RUNNING (was STOPPED)") {
		t.Fatalf("start by source key: %d %s", code, out)
	}

	// The audit log lists all four (the CLI's restart, the assistant's
	// confirmed restart, the refused stop, the start), newest first; the
	// assistant's plans are dry runs and are not audited.
	var audit struct {
		Count   int `json:"count"`
		Actions []struct {
			ID      int64  `json:"id"`
			Action  string `json:"action"`
			Outcome string `json:"outcome"`
		} `json:"actions"`
	}
	if getJSON(t, base+"/api/v1/actions", &audit) != http.StatusOK || audit.Count != 4 ||
		audit.Actions[3].ID != res.ID || audit.Actions[2].Outcome != "succeeded" || audit.Actions[1].Outcome != "refused" || audit.Actions[0].Outcome != "succeeded" {
		t.Fatalf("audit: %+v", audit)
	}

	// The watch stream (or the next poll) brings home-assistant's new state.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var rs resources
		getJSON(t, base+"/api/v1/resources?platform=truenas&type=app-container", &rs)
		running := false
		for _, r := range rs.Resources {
			running = running || (r.Name == "home-assistant" && r.Status == "running")
		}
		if running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("home-assistant never shows running in the store")
		}
	}
}

// TestControlOffByDefault: without a control block every action is refused
// before it reaches the plugin, and the refusal is audited.
func TestControlOffByDefault(t *testing.T) {
	t.Setenv("TRUENAS_API_KEY", faketruenas.DefaultAPIKey)
	endpoint := startSim(t)
	dir := t.TempDir()
	listen := freeAddr(t)
	cfg := writeConfig(t, dir, listen, endpoint, "")
	serve := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	serve.Dir = dir
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = serve.Process.Signal(syscall.SIGTERM); _ = serve.Wait() }()
	base := "http://" + listen
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var rs resources
		if getJSON(t, base+"/api/v1/resources?platform=truenas&type=app-container", &rs) == http.StatusOK && len(rs.Resources) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no apps")
		}
	}
	code, out, errOut := pulse(t, dir, "action", "--config", cfg, "plex", "restart")
	if code != 1 || !strings.Contains(out, "control is disabled") || !strings.Contains(errOut, "403 Forbidden") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
}

// assistantRestart drives run_action over the core's /mcp endpoint with the
// MCP SDK's own client: a plan, a confirmed restart read back from the fake,
// and a plan the operator's control block refuses.
func assistantRestart(t *testing.T, base, appID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "test"}, nil)
	cs, err := client.Connect(ctx, &gomcp.StreamableClientTransport{Endpoint: base + "/mcp", MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect to /mcp: %v", err)
	}
	defer cs.Close()
	call := func(args map[string]any) (map[string]any, string, bool) {
		res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: "run_action", Arguments: args})
		if err != nil || len(res.Content) != 1 {
			t.Fatalf("run_action(%v): %v %v", args, err, res)
		}
		text := res.Content[0].(*gomcp.TextContent).Text
		var v map[string]any
		if !res.IsError {
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				t.Fatalf("run_action(%v): %v in %s", args, err, text)
			}
		}
		return v, text, res.IsError
	}
	v, text, isErr := call(map[string]any{"resource": appID, "action": "restart"})
	if isErr || v["executed"] != false || v["checked"].(map[string]any)["outcome"] != "planned" {
		t.Fatalf("plan: %s", text)
	}
	v, text, isErr = call(map[string]any{"resource": appID, "action": "restart", "confirm": true})
	if isErr || v["executed"] != true {
		t.Fatalf("confirmed restart: %s", text)
	}
	if r := v["result"].(map[string]any); r["outcome"] != "succeeded" || !strings.Contains(fmt.Sprint(r["message"]), "state read back: RUNNING") {
		t.Fatalf("confirmed restart result: %s", text)
	}
	_, text, isErr = call(map[string]any{"resource": appID, "action": "stop"})
	if !isErr || !strings.Contains(text, `allows only restart, start on truenas/nas, not "stop"`) {
		t.Fatalf("a plan the control block refuses: %s", text)
	}
}
