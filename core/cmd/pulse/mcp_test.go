package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/vmware/govmomi/simulator"
)

func TestAPIBase(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:7655": "http://127.0.0.1:7655",
		":7655":          "http://127.0.0.1:7655",
		"0.0.0.0:7655":   "http://127.0.0.1:7655",
		"[::]:7655":      "http://[::1]:7655",
		"pulse.lan:80":   "http://pulse.lan:80",
	} {
		if got, err := apiBase(listen); err != nil || got != want {
			t.Errorf("apiBase(%q) = %q, %v; want %q", listen, got, err, want)
		}
	}
	if _, err := apiBase("7655"); err == nil {
		t.Error("apiBase(7655): no error")
	}
}

func TestMCPNeedsConfigOrURL(t *testing.T) {
	code, _, stderr := pulse(t, t.TempDir(), "mcp")
	if code != 1 || !strings.Contains(stderr, "--config FILE is required") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = pulse(t, t.TempDir(), "mcp", "extra")
	if code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestMCPEndToEnd: `pulse serve` polls a vCenter simulator through the real
// plugin binary; an MCP client reads the lab over /mcp and over a `pulse mcp
// --config` process, gets the same answers, sees vSphere labelled admitted
// and is refused control of it.
func TestMCPEndToEnd(t *testing.T) {
	m := simulator.VPX()
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	defer m.Remove()
	m.Service.TLS = new(tls.Config)
	vc := m.Service.NewServer()
	defer vc.Close()

	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, fmt.Sprintf(`server {
  listen   = %q
  data_dir = "data"
  auth     = "none" # loopback; authentication has its own tests
}
connection "vmware-vsphere" "vc" {
  endpoint      = "https://%s/sdk"
  username      = "user"
  password      = "pass"
  poll_interval = "10m"
  timeout       = "30s"
  tls { insecure_skip_verify = true }
}
`, addr, vc.URL.Host))
	core := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	core.Dir = dir
	if err := core.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = core.Process.Signal(syscall.SIGTERM); _ = core.Wait() }()
	var conns struct {
		Connections []struct{ State string } `json:"connections"`
	}
	waitFor(t, "the first vCenter poll", 60*time.Second, func() bool {
		return getJSON("http://"+addr+"/api/v1/connections", &conns) == nil && len(conns.Connections) == 1 && conns.Connections[0].State == "ok"
	})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := gomcp.NewClient(&gomcp.Implementation{Name: "e2e", Version: "0"}, nil)
	overHTTP, err := client.Connect(ctx, &gomcp.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp", MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer overHTTP.Close()
	cmd := exec.Command(filepath.Join(binDir, "pulse"), "mcp", "--config", cfg)
	cmd.Dir = dir
	overStdio, err := client.Connect(ctx, &gomcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer overStdio.Close()

	text := func(cs *gomcp.ClientSession, tool string, args map[string]any) (string, bool) {
		t.Helper()
		res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		return res.Content[0].(*gomcp.TextContent).Text, res.IsError
	}
	for _, cs := range []*gomcp.ClientSession{overHTTP, overStdio} {
		tools, err := cs.ListTools(ctx, nil)
		if err != nil || len(tools.Tools) != 7 {
			t.Fatalf("tools: %v, %v", tools, err)
		}
	}
	var list struct {
		Count     int `json:"count"`
		Resources []struct {
			ID, Platform, Type, Support string
		} `json:"resources"`
	}
	h, _ := text(overHTTP, "list_resources", map[string]any{"platform": "vmware-vsphere", "limit": 1000})
	s, _ := text(overStdio, "list_resources", map[string]any{"platform": "vmware-vsphere", "limit": 1000})
	if h != s {
		t.Fatalf("list_resources differs:\nhttp:  %s\nstdio: %s", h, s)
	}
	if err := json.Unmarshal([]byte(h), &list); err != nil || list.Count == 0 {
		t.Fatalf("list_resources: %v %s", err, h)
	}
	var vmID string
	for _, r := range list.Resources {
		if r.Support != "admitted" {
			t.Errorf("%s %s labelled %q", r.Platform, r.ID, r.Support)
		}
		if r.Type == "vm" {
			vmID = r.ID
		}
	}
	c, _ := text(overStdio, "list_connections", nil)
	if !strings.Contains(c, `"platform":"vmware-vsphere","name":"vc","support":"admitted","state":"ok"`) {
		t.Errorf("list_connections: %s", c)
	}
	for _, cs := range []*gomcp.ClientSession{overHTTP, overStdio} {
		r, isErr := text(cs, "run_action", map[string]any{"resource": vmID, "action": "power-off", "confirm": true})
		if !isErr || !strings.Contains(r, "vmware-vsphere is admitted, not supported") || !strings.Contains(r, "read-only") {
			t.Errorf("run_action on a vSphere VM: %v %s", isErr, r)
		}
	}
}
