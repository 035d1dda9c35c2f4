package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binDir holds the pulse binary and the fault-injecting test plugin beside it,
// exactly as `make build` lays out bin/.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pulse-cli-test")
	if err != nil {
		panic(err)
	}
	for _, b := range []struct{ out, pkg, tags string }{
		{"pulse", "github.com/pulsehost/pulse/core/cmd/pulse", ""},
		{"pulse-plugin-proxmox-pmg", "github.com/pulsehost/pulse/core/internal/testplugin/cmd/pulse-plugin-proxmox-pmg", ""},
		{"pulse-plugin-vmware-vsphere", "github.com/pulsehost/pulse/plugins/vmware-vsphere", ""},
		{"pulse-agent", "github.com/pulsehost/pulse/agent/cmd/pulse-agent", ""},
		{"sim/pulse-sim-docker", "github.com/pulsehost/pulse/agent/cmd/pulse-sim-docker", ""},
		// The kubernetes build of the agent (client-go) and the fake API
		// server: built once here, shared by the tests that use them.
		{"pulse-agent-k8s", "github.com/pulsehost/pulse/agent/cmd/pulse-agent", "k8s"},
		{"sim/pulse-sim-kubernetes", "github.com/pulsehost/pulse/agent/cmd/pulse-sim-kubernetes", ""},
	} {
		args := []string{"build", "-o", filepath.Join(dir, b.out)}
		if b.tags != "" {
			args = append(args, "-tags", b.tags)
		}
		if out, err := exec.Command("go", append(args, b.pkg)...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b.pkg, err, out)
			os.Exit(1)
		}
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// pulse runs the built binary in dir and returns its exit code and output.
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

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// labConfig writes a config with one test-plugin connection and returns its path.
func labConfig(t *testing.T, dir, listen, mode string) string {
	control := filepath.Join(dir, "mode")
	writeFile(t, control, mode)
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, fmt.Sprintf(`server {
  listen   = %q
  data_dir = "data"
}

connection "proxmox-pmg" "mail" {
  control_file  = %q
  secret        = env("PULSE_TEST_SECRET")
  poll_interval = "1s"
  timeout       = "1s"
}
`, listen, control))
	return cfg
}

func TestPlatformsCommand(t *testing.T) {
	code, out, _ := pulse(t, t.TempDir(), "platforms")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"SUPPORT MATRIX", "PROJECTION MATRIX", "proxmox-pve", "augmentation-only", "agent, vm, system-container, storage, ceph, physical-disk"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	matrix := out[:strings.Index(out, "ADMITTED, NOT SUPPORTED")]
	if strings.Contains(matrix, "vmware-vsphere") {
		t.Errorf("vSphere inside the support matrix:\n%s", matrix)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "vmware-vsphere") && strings.Contains(line, "Proxmox") {
			t.Errorf("odd row %q", line)
		}
		if strings.HasPrefix(line, "vmware-vsphere  VMware") && !strings.Contains(line, "admitted") {
			t.Errorf("vSphere projection row not marked admitted: %q", line)
		}
	}
	if strings.Contains(out, "first-lab-ready") {
		t.Error("readiness stage leaked into product output")
	}
	code, out, _ = pulse(t, t.TempDir(), "platforms", "--format", "json")
	var doc struct {
		Platforms []map[string]any `json:"platforms"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Platforms) != 14 {
		t.Fatalf("json: exit %d, %d platforms", code, len(doc.Platforms))
	}
	for _, p := range doc.Platforms {
		if p["id"] == "vmware-vsphere" && (p["state"] != "admitted" || p["support_floor"] != nil || p["proposed_floor"] == nil) {
			t.Fatalf("vSphere json = %v", p)
		}
	}
	if code, _, errOut := pulse(t, t.TempDir(), "platforms", "--format", "yaml"); code != 2 || !strings.Contains(errOut, "use table or json") {
		t.Fatalf("bad format: exit %d, %s", code, errOut)
	}
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "s3cret-value")
	cfg := labConfig(t, dir, "127.0.0.1:0", "ok")
	if code, out, errOut := pulse(t, dir, "validate", cfg); code != 0 || !strings.Contains(out, "1 connection(s)") {
		t.Fatalf("valid config: exit %d\n%s%s", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.hcl")
	writeFile(t, bad, `connection "proxmox-pmg" "mail" {
  count  = "many"
  secret = "s3cret-value"
}

connection "aws" "cloud" {}
`)
	code, _, errOut := pulse(t, dir, "validate", bad)
	if code != 1 {
		t.Fatalf("invalid config: exit %d", code)
	}
	if !strings.Contains(errOut, "bad.hcl:6:12") || !strings.Contains(errOut, "presentation-only") {
		t.Errorf("diagnostics lack the presentation-only id at 6:12:\n%s", errOut)
	}
	if strings.Contains(errOut, "s3cret-value") {
		t.Errorf("secret printed:\n%s", errOut)
	}
	if code, _, _ := pulse(t, dir, "validate"); code != 2 {
		t.Fatalf("no files: exit %d", code)
	}
}

func TestPollCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "s3cret-value")
	cfg := labConfig(t, dir, "127.0.0.1:0", "outside")
	code, out, errOut := pulse(t, dir, "poll", "--config", cfg, "mail")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Resources []struct {
			ID, Type, Platform, Connection, Name, Status string
			Identity                                     []map[string]string
			Relationships                                []any
		}
		Alerts, RecoveryPoints, Metrics, Rejected []map[string]any
		Check                                     map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Resources) != 3 || len(doc.Alerts) != 1 || len(doc.Metrics) != 3 || len(doc.Rejected) != 2 || doc.Check == nil {
		t.Fatalf("document = %s", out)
	}
	r := doc.Resources[0]
	if !strings.HasPrefix(r.ID, "pmg-") || r.Platform != "proxmox-pmg" || r.Connection != "mail" || r.Status != "online" || len(r.Identity) != 1 || r.Relationships == nil {
		t.Fatalf("resource = %+v", r)
	}
	if strings.Contains(out, "s3cret-value") {
		t.Fatal("secret echoed")
	}
	if code, _, errOut := pulse(t, dir, "poll", "--config", cfg, "nope"); code != 1 || !strings.Contains(errOut, "configured: proxmox-pmg/mail") {
		t.Fatalf("unknown connection: exit %d %s", code, errOut)
	}
}

// bearer is the API token getJSON and authGet send (see newToken).
var bearer string

// newToken creates an API token with the CLI, as an operator would.
func newToken(t *testing.T, dir, cfg, scope string) string {
	t.Helper()
	code, out, errOut := pulse(t, dir, "apitoken", "create", "--config", cfg, "--scope", scope, "--label", "test")
	if code != 0 {
		t.Fatalf("apitoken create: %d %s", code, errOut)
	}
	return strings.TrimSpace(out)
}

// authGet is http.Get with the bearer token.
func authGet(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return http.DefaultClient.Do(req)
}

func getJSON(url string, v any) error {
	resp, err := authGet(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type resourceList struct {
	Count     int `json:"count"`
	Resources []struct {
		ID, Name    string
		Stale       bool
		StaleReason string `json:"stale_reason"`
	} `json:"resources"`
}

func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "s3cret-value")
	addr := freeAddr(t)
	cfg := labConfig(t, dir, addr, "ok")
	base := "http://" + addr
	bearer = newToken(t, dir, cfg, "read")

	start := func() *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	core := start()
	var list resourceList
	waitFor(t, "resources over the API", 15*time.Second, func() bool {
		return getJSON(base+"/api/v1/resources?type=pmg", &list) == nil && list.Count == 3
	})

	// The API: connections, a resource by id, filters, health and metrics.
	var conns struct {
		Connections []map[string]any `json:"connections"`
	}
	if err := getJSON(base+"/api/v1/connections", &conns); err != nil || conns.Connections[0]["state"] != "ok" {
		t.Fatalf("connections = %v, %v", conns, err)
	}
	var one map[string]any
	if err := getJSON(base+"/api/v1/resources/"+list.Resources[0].ID, &one); err != nil || one["type"] != "pmg" {
		t.Fatalf("resource = %v, %v", one, err)
	}
	resp, _ := authGet(base + "/api/v1/resources?type=esxi-host")
	if resp.StatusCode != 400 {
		t.Fatalf("bad type filter: %s", resp.Status)
	}
	// The dashboard at /, and the history its charts draw from.
	resp, _ = http.Get(base + "/")
	page := new(bytes.Buffer)
	_, _ = page.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(page.String(), `<div id="app">`) {
		t.Fatalf("dashboard: %s %.200s", resp.Status, page.String())
	}
	var hist struct {
		Tier   string      `json:"tier"`
		Points [][]float64 `json:"points"`
	}
	waitFor(t, "cpu history of a PMG node", 15*time.Second, func() bool {
		return getJSON(base+"/api/v1/resources/"+list.Resources[0].ID+"/history?metric=cpu_usage_ratio&range=1h", &hist) == nil && len(hist.Points) > 0
	})
	resp, _ = authGet(base + "/metrics")
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(resp.Body)
	if !strings.Contains(body.String(), `pulse_connection_up{platform="proxmox-pmg",connection="mail"} 1`) {
		t.Fatalf("metrics:\n%s", body)
	}

	// SIGKILL the core: its plugin must not outlive it.
	var plugins struct {
		Plugins []struct{ PID int } `json:"plugins"`
	}
	if err := getJSON(base+"/api/v1/plugins", &plugins); err != nil || plugins.Plugins[0].PID == 0 {
		t.Fatalf("plugins = %+v, %v", plugins, err)
	}
	pid := plugins.Plugins[0].PID
	if err := core.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = core.Wait()
	waitFor(t, fmt.Sprintf("plugin %d to die with the core", pid), 3*time.Second, func() bool {
		return syscall.Kill(pid, 0) != nil
	})

	// Restart with the plugin failing: the last known state is served at once,
	// from the database, and goes stale without being deleted.
	writeFile(t, filepath.Join(dir, "mode"), "error")
	start()
	waitFor(t, "restored resources", 10*time.Second, func() bool {
		return getJSON(base+"/api/v1/resources", &list) == nil && list.Count == 3
	})
	waitFor(t, "stale after failed poll", 10*time.Second, func() bool {
		return getJSON(base+"/api/v1/resources?stale=true", &list) == nil && list.Count == 3
	})
	if !strings.Contains(list.Resources[0].StaleReason, "upstream said no") {
		t.Fatalf("stale reason = %q", list.Resources[0].StaleReason)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

func TestSIGTERMStopsCoreAndPlugins(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "s3cret-value")
	addr := freeAddr(t)
	cfg := labConfig(t, dir, addr, "ok")
	bearer = newToken(t, dir, cfg, "read")
	cmd := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	var plugins struct {
		Plugins []struct{ PID int } `json:"plugins"`
	}
	waitFor(t, "plugin running", 15*time.Second, func() bool {
		return getJSON("http://"+addr+"/api/v1/plugins", &plugins) == nil && len(plugins.Plugins) == 1 && plugins.Plugins[0].PID != 0
	})
	pid := plugins.Plugins[0].PID
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("core exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("core did not stop within 10s of SIGTERM")
	}
	waitFor(t, "plugin gone", 3*time.Second, func() bool { return syscall.Kill(pid, 0) != nil })
}
