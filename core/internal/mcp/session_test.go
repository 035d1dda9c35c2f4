package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
)

// pulseBin is a `pulse` binary built from this repository, for the stdio
// transport (`pulse mcp`).
var pulseBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pulse-mcp-test")
	if err != nil {
		panic(err)
	}
	pulseBin = filepath.Join(dir, "pulse")
	if out, err := exec.Command("go", "build", "-o", pulseBin, "github.com/pulsehost/pulse/core/cmd/pulse").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build pulse: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// callTimeout is generous: the machine running the tests may be loaded.
const callTimeout = 60 * time.Second

func newClient() *gomcp.Client {
	return gomcp.NewClient(&gomcp.Implementation{Name: "pulse-test-client", Version: "0"}, nil)
}

// httpSession connects the SDK's client to /mcp over streamable HTTP.
func httpSession(t *testing.T, url string) *gomcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cs, err := newClient().Connect(ctx, &gomcp.StreamableClientTransport{Endpoint: url + "/mcp", MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect over HTTP: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// stdioSession starts a real `pulse mcp --config FILE` process whose config
// points at the core's listener, and connects the SDK's client to it.
func stdioSession(t *testing.T, listen string) *gomcp.ClientSession {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pulse.hcl")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "server {\n  listen   = %q\n  data_dir = \"data\"\n}\n", listen), 0o644); err != nil {
		t.Fatal(err)
	}
	return stdioCommand(t, nil, "mcp", "--config", cfg)
}

// stdioCommand connects the SDK's client to `pulse args...` with env added.
func stdioCommand(t *testing.T, env []string, args ...string) *gomcp.ClientSession {
	t.Helper()
	cmd := exec.Command(pulseBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = &testWriter{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cs, err := newClient().Connect(ctx, &gomcp.CommandTransport{Command: cmd, TerminateDuration: 5 * time.Second}, nil)
	if err != nil {
		t.Fatalf("connect over stdio: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// testWriter forwards a child's stderr to the test log.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("pulse mcp: %s", p)
	return len(p), nil
}

// result is one tool call's outcome: its single text item and isError.
type result struct {
	Text    string
	IsError bool
}

func call(t *testing.T, cs *gomcp.ClientSession, name string, args map[string]any) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if args == nil {
		args = map[string]any{}
	}
	res, err := cs.CallTool(ctx, &gomcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v", name, args, err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d content items, want exactly one", name, len(res.Content))
	}
	tc, ok := res.Content[0].(*gomcp.TextContent)
	if !ok {
		t.Fatalf("%s: content is %T, want text", name, res.Content[0])
	}
	return result{Text: tc.Text, IsError: res.IsError}
}

// callJSON calls a tool that must succeed and decodes its JSON text.
func callJSON(t *testing.T, cs *gomcp.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	r := call(t, cs, name, args)
	if r.IsError {
		t.Fatalf("%s(%v) failed: %s", name, args, r.Text)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(r.Text), &v); err != nil {
		t.Fatalf("%s: result is not a JSON object: %v\n%s", name, err, r.Text)
	}
	return v
}

func listTools(t *testing.T, cs *gomcp.ClientSession) []*gomcp.Tool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Tools
}
