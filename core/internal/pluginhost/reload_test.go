package pluginhost

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// pollLog records every snapshot and stale mark per connection.
type pollLog struct {
	mu      sync.Mutex
	polls   map[string][]time.Time
	stale   map[string][]string
	deleted map[string]int
}

func newPollLog() *pollLog {
	return &pollLog{polls: map[string][]time.Time{}, stale: map[string][]string{}, deleted: map[string]int{}}
}

// TypeOf knows no earlier records: these tests use snapshots, not deltas.
func (l *pollLog) TypeOf(resource.SourceRef, string) (resource.Type, bool) { return "", false }

func (l *pollLog) ApplySnapshot(_ context.Context, src resource.SourceRef, s resource.Snapshot, _ time.Time) (store.ApplyStats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(s.Resources) == 0 {
		l.deleted[src.Connection]++
	} else {
		l.polls[src.Connection] = append(l.polls[src.Connection], time.Now())
	}
	return store.ApplyStats{}, nil
}
func (l *pollLog) ApplyDelta(context.Context, resource.SourceRef, resource.Delta, time.Time) (store.ApplyStats, error) {
	return store.ApplyStats{}, nil
}
func (l *pollLog) MarkStale(_ context.Context, src resource.SourceRef, reason string, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stale[src.Connection] = append(l.stale[src.Connection], reason)
	return nil
}
func (l *pollLog) Has(resource.SourceRef, string) bool { return false }

func (l *pollLog) count(conn string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.polls[conn])
}

func (l *pollLog) times(conn string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.polls[conn])
}

func (l *pollLog) staleReasons(conn string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.stale[conn])
}

// connSpec is a test plugin connection with a fingerprint.
func connSpec(name, fingerprint string, interval time.Duration) ConnSpec {
	return ConnSpec{
		Platform: "proxmox-pmg", Name: name, Enabled: true, PollInterval: interval, Timeout: 5 * time.Second, Fingerprint: fingerprint,
		Build: func(sdk.Schema) (sdk.Connection, error) {
			raw, _ := json.Marshal(map[string]any{"count": 2})
			return sdk.Connection{Name: name, Config: raw}, nil
		},
	}
}

func connStatus(h *Host, name string) ConnStatus {
	for _, c := range h.Connections() {
		if c.Name == name {
			return c
		}
	}
	return ConnStatus{}
}

// TestReloadKeepsUnchangedConnectionsPolling counts polls across a reload:
// the untouched connection keeps its poller (its poll counter continues),
// is never marked stale, and its largest gap between two polls stays near
// the interval; the changed one restarts, the new one starts, the removed
// one goes stale and its records are deleted after the retention.
func TestReloadKeepsUnchangedConnectionsPolling(t *testing.T) {
	const interval = 150 * time.Millisecond
	sink := newPollLog()
	h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{pluginDir}, RemovedRetention: 500 * time.Millisecond})
	h.Start(context.Background(), []ConnSpec{connSpec("keep", "k1", interval), connSpec("change", "c1", interval), connSpec("drop", "d1", interval)})
	defer h.Stop()
	waitFor(t, "polls before the reload", 30*time.Second, func() bool { return sink.count("keep") >= 5 && sink.count("drop") >= 1 })

	before := connStatus(h, "keep").Polls
	reloadAt := time.Now()
	rep := h.Reload(context.Background(), []ConnSpec{connSpec("keep", "k1", interval), connSpec("change", "c2", interval), connSpec("new", "n1", interval)})
	reloadTook := time.Since(reloadAt)
	if !slices.Equal(rep.Unchanged, []string{"proxmox-pmg/keep"}) || !slices.Equal(rep.Changed, []string{"proxmox-pmg/change"}) ||
		!slices.Equal(rep.Added, []string{"proxmox-pmg/new"}) || !slices.Equal(rep.Removed, []string{"proxmox-pmg/drop"}) || len(rep.PluginsStopped) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	waitFor(t, "polls after the reload", 30*time.Second, func() bool {
		return sink.count("new") >= 3 && connStatus(h, "keep").Polls >= before+5
	})
	after := connStatus(h, "keep").Polls
	if after <= before {
		t.Fatalf("keep's poll counter went from %d to %d: its poller was restarted", before, after)
	}
	if r := sink.staleReasons("keep"); len(r) != 0 {
		t.Fatalf("keep was marked stale across the reload: %v", r)
	}
	// The largest gap between two polls of keep around the reload.
	var maxGap time.Duration
	ts := sink.times("keep")
	for i := 1; i < len(ts); i++ {
		if ts[i].After(reloadAt.Add(-2*interval)) && ts[i-1].Before(reloadAt.Add(reloadTook+2*interval)) {
			maxGap = max(maxGap, ts[i].Sub(ts[i-1]))
		}
	}
	t.Logf("reload took %s; keep polled %d times before, %d after (counter continued), largest gap around the reload %s at a %s interval",
		reloadTook.Round(time.Millisecond), before, after, maxGap.Round(time.Millisecond), interval)
	// Generous for a loaded machine: a restarted plugin alone costs more
	// than this, and a stop-and-start would have reset the counter above.
	if maxGap > 10*interval {
		t.Fatalf("keep had a %s gap around the reload", maxGap)
	}
	if c := connStatus(h, "change"); c.State != StateOK {
		t.Fatalf("changed connection = %+v", c)
	}
	// The removed connection: stale with the reason, then deleted.
	if r := sink.staleReasons("drop"); len(r) == 0 || r[len(r)-1] != ReasonRemoved {
		t.Fatalf("drop stale reasons = %v", r)
	}
	waitFor(t, "removed records deleted", 10*time.Second, func() bool { sink.mu.Lock(); defer sink.mu.Unlock(); return sink.deleted["drop"] == 1 })
	if c := connStatus(h, "drop"); c.Name != "" {
		t.Fatalf("drop still listed: %+v", c)
	}
	ps := h.Plugins()
	if len(ps) != 1 || ps[0].Restarts != 0 || !slices.Equal(ps[0].Connections, []string{"keep", "change", "new"}) {
		t.Fatalf("plugins = %+v", ps)
	}

	// No connection left on the platform: its plugin stops.
	pid := ps[0].PID
	rep = h.Reload(context.Background(), nil)
	if !slices.Equal(rep.PluginsStopped, []string{"proxmox-pmg"}) || len(rep.Removed) != 3 {
		t.Fatalf("report = %+v", rep)
	}
	if len(h.Plugins()) != 0 {
		t.Fatalf("plugins after removing every connection: %+v", h.Plugins())
	}
	waitFor(t, "plugin process gone", 10*time.Second, func() bool { return !processAlive(pid) })

	// And it starts again when a connection comes back.
	rep = h.Reload(context.Background(), []ConnSpec{connSpec("keep", "k1", interval)})
	if !slices.Equal(rep.PluginsStarted, []string{"proxmox-pmg"}) || !slices.Equal(rep.Added, []string{"proxmox-pmg/keep"}) {
		t.Fatalf("report = %+v", rep)
	}
	waitFor(t, "polls after coming back", 30*time.Second, func() bool { return connStatus(h, "keep").State == StateOK })
}

// TestReloadDisablesConnection: enabled = false stops the poller and marks
// the records stale with the reason, keeping them.
func TestReloadDisablesConnection(t *testing.T) {
	sink := newPollLog()
	h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{pluginDir}})
	h.Start(context.Background(), []ConnSpec{connSpec("a", "a1", 100*time.Millisecond), connSpec("b", "b1", 100*time.Millisecond)})
	defer h.Stop()
	waitFor(t, "polls", 30*time.Second, func() bool { return sink.count("a") >= 1 && sink.count("b") >= 1 })
	off := connSpec("b", "b1", 100*time.Millisecond)
	off.Enabled = false
	rep := h.Reload(context.Background(), []ConnSpec{connSpec("a", "a1", 100*time.Millisecond), off})
	if !slices.Equal(rep.Changed, []string{"proxmox-pmg/b"}) {
		t.Fatalf("report = %+v", rep)
	}
	n := sink.count("b")
	time.Sleep(500 * time.Millisecond)
	if sink.count("b") != n || connStatus(h, "b").State != StateDisabled {
		t.Fatalf("disabled connection polled on: %d -> %d, %+v", n, sink.count("b"), connStatus(h, "b"))
	}
	if r := sink.staleReasons("b"); len(r) == 0 || r[len(r)-1] != ReasonDisabled {
		t.Fatalf("stale reasons = %v", r)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.deleted["b"] != 0 {
		t.Fatal("a disabled connection's records were deleted")
	}
}

// TestUpgradePlugin: the plugin restarts from the binary found now, its
// connections move to it, the last data is stale meanwhile, and it does
// not count as a crash.
func TestUpgradePlugin(t *testing.T) {
	sink := newPollLog()
	h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{pluginDir}})
	h.Start(context.Background(), []ConnSpec{connSpec("a", "a1", 100*time.Millisecond)})
	defer h.Stop()
	waitFor(t, "polls", 30*time.Second, func() bool { return connStatus(h, "a").State == StateOK })
	pid := h.Plugins()[0].PID
	if err := h.UpgradePlugin("proxmox-pmg"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "new process", 30*time.Second, func() bool { p := h.Plugins()[0]; return p.PID != 0 && p.PID != pid && p.State == PluginRunning })
	n := sink.count("a")
	waitFor(t, "polls on the new plugin", 30*time.Second, func() bool { return sink.count("a") > n })
	if r := sink.staleReasons("a"); len(r) == 0 || !strings.Contains(r[len(r)-1], "upgrade") {
		t.Fatalf("stale reasons = %v", r)
	}
	if p := h.Plugins()[0]; p.Restarts != 0 {
		t.Fatalf("an upgrade counted as a crash: %+v", p)
	}
	if err := h.UpgradePlugin("truenas"); err == nil || !strings.Contains(err.Error(), "no connection of this platform") {
		t.Fatalf("upgrade of an unconfigured platform: %v", err)
	}
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// TestReloadUpgradesChangedBinary: a reload notices a plugin binary that
// changed on disk and moves the platform to the new one.
func TestReloadUpgradesChangedBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "pulse-plugin-proxmox-pmg")
	b, err := os.ReadFile(filepath.Join(pluginDir, "pulse-plugin-proxmox-pmg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	sink := newPollLog()
	h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{dir}})
	specs := []ConnSpec{connSpec("a", "a1", 100*time.Millisecond)}
	h.Start(context.Background(), specs)
	defer h.Stop()
	waitFor(t, "polls", 30*time.Second, func() bool { return connStatus(h, "a").State == StateOK })
	if rep := h.Reload(context.Background(), specs); len(rep.PluginsUpgraded) != 0 || len(rep.Unchanged) != 1 {
		t.Fatalf("reload with nothing changed: %+v", rep)
	}
	pid := h.Plugins()[0].PID
	// A new build put in place (rename over, as an installer does).
	tmp := bin + ".new"
	if err := os.WriteFile(tmp, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	rep := h.Reload(context.Background(), specs)
	if !slices.Equal(rep.PluginsUpgraded, []string{"proxmox-pmg"}) {
		t.Fatalf("report = %+v", rep)
	}
	waitFor(t, "the new plugin polling", 30*time.Second, func() bool {
		p := h.Plugins()[0]
		return p.PID != pid && p.PID != 0 && connStatus(h, "a").State == StateOK
	})
}

// listingLog is a pollLog that also lists stored sources, as the store does.
type listingLog struct {
	*pollLog
	sources []resource.SourceRef
}

func (l listingLog) Sources() []resource.SourceRef { return l.sources }

// TestStartRetiresConnectionsRemovedWhileDown: stored sources of
// connectable platforms that the configuration no longer names go stale and
// are deleted after the retention; agent sources are left alone.
func TestStartRetiresConnectionsRemovedWhileDown(t *testing.T) {
	sink := listingLog{pollLog: newPollLog(), sources: []resource.SourceRef{
		{Platform: "proxmox-pmg", Connection: "gone"}, {Platform: "agent", Connection: "host-1"}, {Platform: "proxmox-pmg", Connection: "kept"},
	}}
	h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{t.TempDir()}, RemovedRetention: 200 * time.Millisecond})
	h.Start(context.Background(), []ConnSpec{connSpec("kept", "k", time.Second)})
	defer h.Stop()
	if r := sink.staleReasons("gone"); len(r) != 1 || r[0] != ReasonRemoved {
		t.Fatalf("gone: %v", r)
	}
	waitFor(t, "deletion after the retention", 10*time.Second, func() bool { sink.mu.Lock(); defer sink.mu.Unlock(); return sink.deleted["gone"] == 1 })
	time.Sleep(300 * time.Millisecond)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.deleted["host-1"] != 0 || len(sink.stale["host-1"]) != 0 || sink.deleted["kept"] != 0 {
		t.Fatalf("touched what it should not: deleted %v stale %v", sink.deleted, sink.stale)
	}
}
