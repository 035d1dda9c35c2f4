package pluginhost

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// soak reports whether the long fault runs were asked for (make soak).
func soak() bool { return os.Getenv("PULSE_SOAK") != "" }

func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// TestFaultPluginKilledMidCollect SIGKILLs a plugin in the middle of a
// collection, over and over (20 times in make test, 100 in make soak): every
// kill is recovered from, the victim's last data is kept (stale, never
// deleted) meanwhile, another platform's plugin polls on unaffected, and
// the core's goroutines and open files do not grow.
func TestFaultPluginKilledMidCollect(t *testing.T) {
	kills := 20
	if soak() {
		kills = 100
	}
	dir := t.TempDir()
	control := filepath.Join(dir, "mode")
	setMode(t, control, "busy:300ms")
	victim := ConnSpec{Platform: "proxmox-pmg", Name: "victim", Enabled: true, PollInterval: 100 * time.Millisecond, Timeout: 10 * time.Second, Fingerprint: "v",
		Build: func(sdk.Schema) (sdk.Connection, error) {
			raw, _ := json.Marshal(map[string]any{"control_file": control})
			return sdk.Connection{Name: "victim", Config: raw}, nil
		}}
	bystander := ConnSpec{Platform: "proxmox-pbs", Name: "bystander", Enabled: true, PollInterval: 200 * time.Millisecond, Timeout: 10 * time.Second, Fingerprint: "b",
		Build: func(sdk.Schema) (sdk.Connection, error) {
			return sdk.Connection{Name: "bystander", Config: []byte(`{}`)}, nil
		}}
	sink := newPollLog()
	h := New(hclog.NewNullLogger(), sink, Options{Dirs: []string{pluginDir}, BackoffMin: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond, HungAfter: 1000})
	h.Start(context.Background(), []ConnSpec{victim, bystander})
	defer h.Stop()

	pidOf := func(platform string) int {
		for _, p := range h.Plugins() {
			if p.Platform == platform && p.State == PluginRunning {
				return p.PID
			}
		}
		return 0
	}
	waitFor(t, "both plugins polled", 60*time.Second, func() bool { return sink.count("victim") >= 1 && sink.count("bystander") >= 1 })
	bystanderPID := pidOf("proxmox-pbs")
	busy := control + ".busy"

	var baseG, baseFD int
	var recoveries int
	var worst, total time.Duration
	start := time.Now()
	for i := 0; i < kills; i++ {
		if i == 1 { // after the first restart: steady state
			runtime.GC()
			baseG, baseFD = runtime.NumGoroutine(), openFDs()
		}
		// Wait until the plugin is in the middle of a collection.
		var pid int
		waitFor(t, "a collection in progress", 60*time.Second, func() bool {
			pid = pidOf("proxmox-pmg")
			b, err := os.ReadFile(busy)
			return pid != 0 && err == nil && string(b) == strconv.Itoa(pid)
		})
		polls := sink.count("victim")
		killed := time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(busy)
		waitFor(t, "the kill noticed", 30*time.Second, func() bool {
			r := sink.staleReasons("victim")
			return len(r) > 0 && strings.Contains(r[len(r)-1], "exited unexpectedly") && strings.Contains(r[len(r)-1], strconv.Itoa(pid))
		})
		waitFor(t, "recovery", 60*time.Second, func() bool { return sink.count("victim") > polls })
		d := time.Since(killed)
		worst, total = max(worst, d), total+d
		recoveries++
	}
	elapsed := time.Since(start)
	sink.mu.Lock()
	deleted := sink.deleted["victim"] + sink.deleted["bystander"]
	sink.mu.Unlock()
	if deleted != 0 {
		t.Fatalf("records deleted during the kills: %d empty snapshots", deleted)
	}
	if r := sink.staleReasons("bystander"); len(r) != 0 {
		t.Fatalf("the other plugin's connection went stale: %v", r)
	}
	if pidOf("proxmox-pbs") != bystanderPID {
		t.Fatal("the other plugin was restarted")
	}
	// The bystander's largest gap between polls over the whole run.
	var gap time.Duration
	ts := sink.times("bystander")
	for i := 1; i < len(ts); i++ {
		gap = max(gap, ts[i].Sub(ts[i-1]))
	}
	if c := connStatus(h, "bystander"); c.Failures != 0 {
		t.Fatalf("bystander failures: %+v", c)
	}
	if p := h.Plugins(); len(p) != 2 {
		t.Fatalf("plugins: %+v", p)
	}
	var restarts int
	for _, p := range h.Plugins() {
		if p.Platform == "proxmox-pmg" {
			restarts = p.Restarts
		}
	}
	if restarts != kills {
		t.Fatalf("restarts = %d, want %d", restarts, kills)
	}
	// Let the last restart settle, then compare with the steady state.
	var g, fd int
	for j := 0; j < 50; j++ {
		runtime.GC()
		g, fd = runtime.NumGoroutine(), openFDs()
		if g <= baseG+5 && fd <= baseFD+5 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d SIGKILLs mid-collect, %d recoveries in %s: kill to next good poll mean %s, worst %s; other plugin: %d polls, 0 failures, largest gap %s; goroutines %d -> %d, fds %d -> %d",
		kills, recoveries, elapsed.Round(time.Millisecond), (total / time.Duration(kills)).Round(time.Millisecond), worst.Round(time.Millisecond),
		len(ts), gap.Round(time.Millisecond), baseG, g, baseFD, fd)
	if g > baseG+5 || fd > baseFD+5 {
		t.Fatalf("growth after %d kills: goroutines %d -> %d, fds %d -> %d", kills, baseG, g, baseFD, fd)
	}
}
