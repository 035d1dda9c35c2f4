//go:build linux

package collect

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestCollectFixturePVENode collects a Proxmox VE node's fixture tree
// (/proc, /sys, /etc, /dev/disk/by-id) and compares the telemetry with the
// golden file.
func TestCollectFixturePVENode(t *testing.T) {
	root := filepath.Join("testdata", "pve-node")
	at := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "var/lib/dpkg/status"), at, at); err != nil {
		t.Fatal(err)
	}
	c := New(Options{Root: root, Version: "test", Interval: 30 * time.Second, Fingerprint: "SHA256:test"})
	full := c.Collect(true)
	// A second sample with more CPU time computes the usage ratio.
	stat := filepath.Join(root, "proc/stat")
	orig, _ := os.ReadFile(stat)
	t.Cleanup(func() { _ = os.WriteFile(stat, orig, 0o644) })
	if err := os.WriteFile(stat, []byte("cpu  10300 200 3100 80600 500 0 100 0 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	metrics := c.Collect(false)
	if metrics.Resources.CPUUsageRatio == nil || *metrics.Resources.CPUUsageRatio != 0.4 {
		t.Fatalf("cpu usage ratio = %v, want 0.4 (400 busy of 1000)", metrics.Resources.CPUUsageRatio)
	}
	if len(metrics.Capabilities.InstalledTools) != 0 || metrics.Environment.LastUpdateTimestamp != "" {
		t.Fatalf("a metrics report carries the inventory: %+v", metrics.Capabilities)
	}
	full.Environment.Arch = "" // GOARCH of the test machine
	got, _ := json.MarshalIndent(full, "", "  ")
	got = append(got, '\n')
	gp := filepath.Join("testdata", "pve-node.golden.json")
	if *update {
		if err := os.WriteFile(gp, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(gp)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("telemetry differs from %s:\n%s", gp, got)
	}
}

// TestCollectLiveSystem: on the machine running the test, the collector
// finds a hostname, memory, a kernel and at least one filesystem.
func TestCollectLiveSystem(t *testing.T) {
	tel := New(Options{}).Collect(true)
	host, _ := os.Hostname()
	if tel.Identity.Hostname != host || tel.Resources.MemTotalMB <= 0 || tel.Environment.KernelVersion == "" || tel.Health.UptimeSeconds <= 0 {
		t.Fatalf("live telemetry: %+v", tel)
	}
	if tel.Environment.OSFamily != "linux" || tel.Resources.CPUCount < 1 {
		t.Fatalf("environment: %+v resources %+v", tel.Environment, tel.Resources)
	}
}
