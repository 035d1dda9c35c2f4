package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/internal/testplugin"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// pluginDir holds the fault-injecting test plugin, built once for the package.
var pluginDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pulse-pluginhost-test")
	if err != nil {
		panic(err)
	}
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "pulse-plugin-proxmox-pmg"),
		"github.com/pulsehost/pulse/core/internal/testplugin/cmd/pulse-plugin-proxmox-pmg").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build test plugin: %v\n%s", err, out)
		os.Exit(1)
	}
	// The same binary under a second name serves proxmox-pbs: a second
	// plugin for tests that need two.
	if b, err := os.ReadFile(filepath.Join(dir, "pulse-plugin-proxmox-pmg")); err != nil || os.WriteFile(filepath.Join(dir, "pulse-plugin-proxmox-pbs"), b, 0o755) != nil {
		fmt.Fprintf(os.Stderr, "copy test plugin: %v\n", err)
		os.Exit(1)
	}
	pluginDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// memSink records what the host sends to the store.
type memSink struct {
	mu        sync.Mutex
	snapshots int
	last      resource.Snapshot
	stale     string
	known     map[string]resource.Type
}

func (m *memSink) ApplySnapshot(_ context.Context, _ resource.SourceRef, s resource.Snapshot, _ time.Time) (store.ApplyStats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snapshots++
	m.last, m.stale = s, ""
	m.known = map[string]resource.Type{}
	for _, r := range s.Resources {
		m.known[r.NativeID] = r.Type
	}
	return store.ApplyStats{Upserted: len(s.Resources)}, nil
}
func (m *memSink) ApplyDelta(context.Context, resource.SourceRef, resource.Delta, time.Time) (store.ApplyStats, error) {
	return store.ApplyStats{}, nil
}
func (m *memSink) MarkStale(_ context.Context, _ resource.SourceRef, reason string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stale = reason
	return nil
}
func (m *memSink) TypeOf(_ resource.SourceRef, id string) (resource.Type, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.known[id], m.known[id] != ""
}
func (m *memSink) get() (int, resource.Snapshot, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snapshots, m.last, m.stale
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func spec(t *testing.T, control string, interval, timeout time.Duration) ConnSpec {
	return ConnSpec{
		Platform: "proxmox-pmg", Name: "mail", Enabled: true, PollInterval: interval, Timeout: timeout,
		Build: func(sdk.Schema) (sdk.Connection, error) {
			raw, _ := json.Marshal(map[string]any{"control_file": control})
			return sdk.Connection{Name: "mail", Config: raw}, nil
		},
	}
}

func startHost(t *testing.T, sink Sink, specs ...ConnSpec) *Host {
	t.Helper()
	h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{pluginDir}, BackoffMin: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond, HungAfter: 2})
	h.Start(context.Background(), specs)
	t.Cleanup(h.Stop)
	return h
}

func setMode(t *testing.T, path, mode string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(mode), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLaunchNegotiatesAndChecksDeclaration(t *testing.T) {
	p, err := Launch(context.Background(), filepath.Join(pluginDir, "pulse-plugin-proxmox-pmg"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	if p.Info.GetApiVersion() != 1 || p.Platform.ID != "proxmox-pmg" || p.PID == 0 || len(p.Schema) != 3 {
		t.Fatalf("plugin = %+v", p)
	}
}

func TestLyingPluginRefused(t *testing.T) {
	for lie, want := range map[string]string{
		"projection": `does not project "vm"`,
		"control":    "assistant-control is supported, the model admits at most read-only",
		"platform":   `platform id "esxi" is not governed`,
		"surface":    "surface recovery is supported, the model says n/a",
		"apiversion": "no common wire API version: plugin speaks [99], this core speaks [1]",
	} {
		t.Run(lie, func(t *testing.T) {
			t.Setenv(testplugin.LieEnv, lie)
			_, err := Launch(context.Background(), filepath.Join(pluginDir, "pulse-plugin-proxmox-pmg"), hclog.NewNullLogger())
			var le *LaunchError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want a LaunchError containing %q", err, want)
			}
		})
	}
}

func TestRefusedPluginIsReportedNotRestarted(t *testing.T) {
	t.Setenv(testplugin.LieEnv, "projection")
	sink := &memSink{}
	h := startHost(t, sink, spec(t, "", time.Second, time.Second))
	waitFor(t, "refusal", 10*time.Second, func() bool { return h.Plugins()[0].State == PluginRefused })
	ps := h.Plugins()[0]
	if len(ps.Problems) == 0 || ps.Restarts != 0 || h.Connections()[0].State != StateNoPlugin {
		t.Fatalf("plugin status = %+v, conns = %+v", ps, h.Connections())
	}
}

func TestCrashedPluginRestartedWithDataKeptStale(t *testing.T) {
	control := filepath.Join(t.TempDir(), "mode")
	setMode(t, control, "ok")
	sink := &memSink{}
	h := startHost(t, sink, spec(t, control, 200*time.Millisecond, 2*time.Second))
	waitFor(t, "first snapshot", 10*time.Second, func() bool { n, _, _ := sink.get(); return n > 0 })

	setMode(t, control, "crash")
	waitFor(t, "crash noticed", 5*time.Second, func() bool { _, _, st := sink.get(); return strings.Contains(st, "exited unexpectedly") })
	_, last, _ := sink.get()
	if len(last.Resources) != 3 {
		t.Fatalf("last known resources = %d, want 3 kept", len(last.Resources))
	}
	if c := h.Connections()[0]; c.State != StateError || !strings.Contains(c.LastError, "exited unexpectedly") {
		t.Fatalf("connection = %+v", c)
	}

	setMode(t, control, "ok")
	waitFor(t, "recovery", 10*time.Second, func() bool { return h.Connections()[0].State == StateOK })
	if ps := h.Plugins()[0]; ps.Restarts < 1 || ps.State != PluginRunning {
		t.Fatalf("plugin = %+v", ps)
	}
	if _, _, st := sink.get(); st != "" {
		t.Fatalf("still stale after recovery: %s", st)
	}
}

func TestHungPluginRestarted(t *testing.T) {
	control := filepath.Join(t.TempDir(), "mode")
	setMode(t, control, "hang")
	sink := &memSink{}
	h := startHost(t, sink, spec(t, control, 100*time.Millisecond, 300*time.Millisecond))
	waitFor(t, "hang restart", 10*time.Second, func() bool { return h.Plugins()[0].Restarts >= 1 })
	if _, _, st := sink.get(); !strings.Contains(st, "timed out") && !strings.Contains(st, "hung") {
		t.Fatalf("stale reason = %q", st)
	}
	setMode(t, control, "ok")
	waitFor(t, "recovery", 10*time.Second, func() bool { return h.Connections()[0].State == StateOK })
}

func TestFaultsGiveClearConnectionState(t *testing.T) {
	// Only the slow case needs a short timeout; the others get room so that
	// a loaded machine cannot turn their fault into a timeout.
	for _, tc := range []struct {
		mode, want string
		timeout    time.Duration
	}{
		{"slow:5s", "timed out after 500ms", 500 * time.Millisecond},
		{"error", "upstream said no", 5 * time.Second},
		{"flood", "larger than max", 5 * time.Second},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			control := filepath.Join(t.TempDir(), "mode")
			setMode(t, control, tc.mode)
			sink := &memSink{}
			h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{pluginDir}, HungAfter: 100})
			h.Start(context.Background(), []ConnSpec{spec(t, control, tc.timeout, tc.timeout)})
			defer h.Stop()
			waitFor(t, "poll failure", 10*time.Second, func() bool { return h.Connections()[0].Failures > 0 })
			c := h.Connections()[0]
			if c.State != StateError || !strings.Contains(c.LastError, tc.want) {
				t.Fatalf("connection = %+v, want error containing %q", c, tc.want)
			}
			if _, _, st := sink.get(); st == "" {
				t.Fatal("not marked stale")
			}
			if h.Plugins()[0].State != PluginRunning {
				t.Fatalf("plugin = %+v", h.Plugins()[0])
			}
		})
	}
}

func TestOversizedRecordRejected(t *testing.T) {
	control := filepath.Join(t.TempDir(), "mode")
	setMode(t, control, "oversized")
	h := startHost(t, &memSink{}, spec(t, control, time.Second, 2*time.Second))
	waitFor(t, "poll", 10*time.Second, func() bool { return h.Connections()[0].Polls > 0 })
	if c := h.Connections()[0]; c.State != StateOK || c.Rejected != 1 || !strings.Contains(c.LastRejections[0], "the limit is 65536") {
		t.Fatalf("connection = %+v", c)
	}
}

func TestRecordsOutsideDeclarationRejectedAndCounted(t *testing.T) {
	control := filepath.Join(t.TempDir(), "mode")
	setMode(t, control, "outside")
	sink := &memSink{}
	h := startHost(t, sink, spec(t, control, time.Second, time.Second))
	waitFor(t, "poll", 10*time.Second, func() bool { return h.Connections()[0].Polls > 0 })
	c := h.Connections()[0]
	_, last, _ := sink.get()
	if c.Rejected != 2 || len(last.Resources) != 3 || len(c.LastRejections) != 2 {
		t.Fatalf("connection = %+v, stored %d resources", c, len(last.Resources))
	}
	for _, r := range last.Resources {
		if r.Type != "pmg" || r.Status == "green" {
			t.Fatalf("rejected record stored: %+v", r)
		}
	}
}

func TestMissingPluginReported(t *testing.T) {
	h := New(hclog.NewNullLogger(), &memSink{}, Options{Dirs: []string{t.TempDir()}})
	s := spec(t, "", time.Second, time.Second)
	s.Platform = "truenas"
	h.Start(context.Background(), []ConnSpec{s})
	defer h.Stop()
	if ps := h.Plugins()[0]; ps.State != PluginMissing || !strings.Contains(ps.LastError, "pulse-plugin-truenas") {
		t.Fatalf("plugin = %+v", ps)
	}
}
