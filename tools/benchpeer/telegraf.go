package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// matchedMetrics restricts Telegraf's vsphere input to the performance
// counters the pulse vSphere plugin reads (vsphere/perf.go), so both sides
// move the same data: for VMs and hosts CPU, memory, disk and network;
// capacity and use for datastores; nothing for datacenters and pools.
const matchedMetrics = `  vm_metric_include            = ["cpu.usage.average", "mem.consumed.average", "disk.read.average", "disk.write.average", "net.received.average", "net.transmitted.average"]
  host_metric_include          = ["cpu.usage.average", "mem.consumed.average", "disk.read.average", "disk.write.average", "net.received.average", "net.transmitted.average"]
  cluster_metric_include       = ["cpu.usage.average", "mem.consumed.average"]
  datastore_metric_include     = ["disk.capacity.latest", "disk.used.latest"]
  datacenter_metric_exclude    = ["*"]
  resource_pool_metric_exclude = ["*"]
`

// telegrafConfig writes a Telegraf configuration into dir: the vsphere input
// against v, with the matched metrics (matched true) or its defaults (every
// metric of every object type, as a new user's first configuration),
// written by the file output to out. Flushes every second so the first
// gather is on disk as soon as it is done.
func telegrafConfig(dir string, v *vcenter, interval time.Duration, out string, matched bool) (string, error) {
	include := ""
	if matched {
		include = matchedMetrics
	}
	conf := fmt.Sprintf(`[agent]
  interval       = %q
  round_interval = false
  flush_interval = "1s"
  omit_hostname  = true

[[inputs.vsphere]]
  vcenters             = [%q]
  username             = %q
  password             = %q
  insecure_skip_verify = true
%s
[[outputs.file]]
  files       = [%q]
  data_format = "influx"
`, interval.String(), v.URL, v.User, v.Password, include, out)
	path := filepath.Join(dir, "telegraf.conf")
	return path, os.WriteFile(path, []byte(conf), 0o600)
}

// lineStats counts the metric lines of an influx line-protocol file and
// those of the vsphere VM measurements.
func lineStats(b []byte) (lines, vmLines int) {
	for _, l := range bytes.Split(b, []byte{'\n'}) {
		if len(l) == 0 {
			continue
		}
		lines++
		if bytes.HasPrefix(l, []byte("vsphere_vm_")) {
			vmLines++
		}
	}
	return lines, vmLines
}

// fileWatch reports when a file that is being appended to first held VM
// metrics and when it last grew, until it has been quiet for quiet.
type fileWatch struct {
	path  string
	quiet time.Duration
}

// firstGather waits until path holds VM lines and then has not grown for
// w.quiet; it returns the moment of its last growth and its size then.
func (w fileWatch) firstGather(ctx context.Context, start time.Time) (at time.Duration, size int64, err error) {
	var lastSize int64 = -1
	var lastGrow time.Time
	seenVM := false
	for {
		select {
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("telegraf first gather: %w (file %s, %d bytes)", ctx.Err(), w.path, max(lastSize, 0))
		case <-time.After(50 * time.Millisecond):
		}
		fi, err := os.Stat(w.path)
		if err != nil {
			continue
		}
		now := time.Now()
		if fi.Size() != lastSize {
			lastSize, lastGrow = fi.Size(), now
			if !seenVM {
				if b, err := os.ReadFile(w.path); err == nil {
					_, vm := lineStats(b)
					seenVM = vm > 0
				}
			}
			continue
		}
		if seenVM && now.Sub(lastGrow) >= w.quiet {
			return lastGrow.Sub(start), lastSize, nil
		}
	}
}

// telegrafOnce runs `telegraf --once` and returns its wall time.
func telegrafOnce(ctx context.Context, telegraf, config string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, telegraf, "--config", config, "--once")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return wall, fmt.Errorf("telegraf --once: %w: %s", err, out.String())
	}
	return wall, nil
}
