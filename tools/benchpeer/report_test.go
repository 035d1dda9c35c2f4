package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func s(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }

func TestCPUAt(t *testing.T) {
	samples := []sample{{At: s(0), CPU: 0}, {At: s(1), CPU: s(1)}, {At: s(3), CPU: s(2)}}
	for _, tt := range []struct{ at, want time.Duration }{
		{s(-1), 0}, {s(0), 0}, {s(0.5), s(0.5)}, {s(2), s(1.5)}, {s(3), s(2)}, {s(9), s(2)},
	} {
		if got := cpuAt(samples, tt.at); got != tt.want {
			t.Errorf("cpuAt(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
	if got := cpuAt(nil, s(1)); got != 0 {
		t.Errorf("no samples: %s", got)
	}
}

func TestSettledAt(t *testing.T) {
	// Busy (1 CPU-second per second) until 4 s, then idle.
	var samples []sample
	for i := 0; i <= 40; i++ {
		at := time.Duration(i) * 250 * time.Millisecond
		samples = append(samples, sample{At: at, CPU: min(at, s(4))})
	}
	got, ok := settledAt(samples, s(1))
	if !ok || got != s(4) {
		t.Errorf("settledAt = %s, %v; want 4s, true", got, ok)
	}
	if _, ok := settledAt(samples[:17], s(1)); ok {
		t.Error("settled although the samples end while busy")
	}
}

func TestSteadyWindow(t *testing.T) {
	to, n, ok := steadyWindow(s(7), s(70), s(20))
	if !ok || n != 3 || to != s(67) {
		t.Errorf("got %s, %d, %v; want 67s, 3, true", to, n, ok)
	}
	if _, _, ok := steadyWindow(s(55), s(70), s(20)); ok {
		t.Error("a window shorter than one interval")
	}
	if got := perMinute(s(1), s(20)); got != s(3) {
		t.Errorf("perMinute = %s, want 3s", got)
	}
}

func TestQuantileAndSlope(t *testing.T) {
	var l latencies
	for i := 1; i <= 100; i++ {
		l.D = append(l.D, time.Duration(101-i)*time.Millisecond)
	}
	if got := l.quantile(0.99); got != 99*time.Millisecond {
		t.Errorf("p99 = %s, want 99ms", got)
	}
	if got := l.quantile(0.5); got != 50*time.Millisecond {
		t.Errorf("p50 = %s, want 50ms", got)
	}
	if got := l.quantile(1); got != 100*time.Millisecond {
		t.Errorf("max = %s", got)
	}
	if got := slope([]float64{0, 1, 2, 3}, []float64{10, 12, 14, 16}); got != 2 {
		t.Errorf("slope = %v, want 2", got)
	}
}

func TestFlatness(t *testing.T) {
	var flat, growing []soakPoint
	for i := 0; i < 20; i++ {
		at := time.Duration(i) * 10 * time.Second
		flat = append(flat, soakPoint{At: at, CoreRSS: int64(100+i%2) << 20})
		growing = append(growing, soakPoint{At: at, CoreRSS: int64(100+2*i) << 20})
	}
	if _, _, ok, n := flatness(flat); !ok || n != 14 {
		t.Errorf("flat series: flat=%v over %d points, want true over 14", ok, n)
	}
	if perMin, _, ok, _ := flatness(growing); ok || perMin < 11 {
		t.Errorf("growing series: flat=%v slope %.1f MiB/min", ok, perMin)
	}
}

func TestGoalsAndPrint(t *testing.T) {
	tg := &side{Name: "Telegraf (discovery + gathers)", Run: s(70), CPU: s(1), SettledCPU: s(0.8), SteadyPerMin: s(0.7), SteadyCycles: 3,
		Peaks: []peak{{PID: 1, Comm: "telegraf", Bytes: 46 << 20}}}
	ps := &side{Name: "pulse serve (core + plugin)", Run: s(70), CPU: s(2), SettledCPU: s(0.5), SettledRoot: s(0.4), SteadyPerMin: s(0.3), SteadyCycles: 3,
		Steady: s(0.3), SteadyRoot: s(0.1), SteadyWindow: s(60), Peaks: []peak{{PID: 2, Comm: "pulse", Bytes: 30 << 20}, {PID: 3, Comm: "pulse-plugin-vm", Bytes: 20 << 20}}}
	pve := &side{Name: "pulse serve (core + plugin)", Run: s(120), SteadyPerMin: s(0.9), SteadyCycles: 10, Unsettled: true,
		Peaks: []peak{{PID: 4, Comm: "pulse", Bytes: 50 << 20}, {PID: 5, Comm: "pulse-plugin-pr", Bytes: 40 << 20}}}
	r := report{Telegraf: tg, Pulse: ps, PVE: pve, PollWalls: []time.Duration{s(1.2), s(0.9)}, OnceWalls: []time.Duration{s(0.8)}}
	want := map[string]bool{
		"first sync CPU (until settled) <= Telegraf's start, discovery and first gather": true,
		"steady CPU per minute <= 0.5 x Telegraf's":                                      true,
		"peak RSS (core + plugin) <= Telegraf's":                                         false, // 50 > 46
		"one-shot pulse poll wall <= telegraf --once (best of each)":                     false, // 0.9 > 0.8
		"Proxmox 20x5000 steady CPU per minute":                                          true,
		"Proxmox 20x5000 peak RSS (core + plugin)":                                       false, // 90 > 80
	}
	g := r.goals()
	if len(g) != len(want) {
		t.Fatalf("%d goals, want %d: %+v", len(g), len(want), g)
	}
	for _, x := range g {
		if w, ok := want[x.Name]; !ok || w != x.Pass {
			t.Errorf("goal %q pass=%v, want %v (known %v)", x.Name, x.Pass, w, ok)
		}
	}
	var b bytes.Buffer
	r.print(&b)
	out := b.String()
	for _, frag := range []string{
		"| ratio pulse/telegraf | 2.00 |",
		"50.0 MiB (core 30.0 + plugin 20.0)",
		"| 0.90 s (runs: 1.20, 0.90) | 0.80 s (runs: 0.80) | 1.12 |",
		"never quiet",
		"0.50 s (core 0.40)",           // settled first sync, the core's share
		"0.30 s (core 0.10) (3 cycles", // steady per minute, the core's share
		"| peak RSS (core + plugin) <= Telegraf's | 50.0 MiB | <= 46.0 MiB | FAIL |",
		"| Proxmox 20x5000 steady CPU per minute | 0.90 s | <= 1.00 s | PASS |",
	} {
		if !strings.Contains(out, frag) {
			t.Errorf("output lacks %q:\n%s", frag, out)
		}
	}
}

func TestLineStatsAndPollCounts(t *testing.T) {
	lines, vm := lineStats([]byte("vsphere_vm_cpu,moid=vm-1 usage_average=1i 1\nvsphere_host_cpu,moid=host-1 usage_average=2i 1\n\nvsphere_vm_mem,moid=vm-1 consumed_average=3i 1\n"))
	if lines != 3 || vm != 2 {
		t.Errorf("lineStats = %d, %d; want 3, 2", lines, vm)
	}
	var n pollCounts
	if err := n.parse([]byte(`{"platform":"x","resources":[{},{},{}],"metrics":[{}],"alerts":[]}`)); err != nil || n != (pollCounts{3, 1}) {
		t.Errorf("parse = %+v, %v", n, err)
	}
	if err := n.parse([]byte("not json")); err == nil {
		t.Error("bad output accepted")
	}
}

func TestConfigs(t *testing.T) {
	dir := t.TempDir()
	v := &vcenter{sim: &sim{URL: "https://127.0.0.1:1/sdk"}, User: "u", Password: "p", Fingerprint: "AA:BB"}
	path, err := pulseConfig(dir, "bin", "127.0.0.1:2", vsphereConn(v, 20*time.Second), pveConn("https://127.0.0.1:3", 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	b := readFile(t, path)
	for _, frag := range []string{`connection "vmware-vsphere" "bench-vcenter"`, `fingerprint = "AA:BB"`, `poll_interval = "20s"`,
		`connection "proxmox-pve" "bench-pve"`, `endpoints     = ["https://127.0.0.1:3"]`, `auth       = "none"`} {
		if !strings.Contains(b, frag) {
			t.Errorf("pulse config lacks %q:\n%s", frag, b)
		}
	}
	for _, matched := range []bool{true, false} {
		path, err := telegrafConfig(dir, v, 20*time.Second, "/x/out", matched)
		if err != nil {
			t.Fatal(err)
		}
		b := readFile(t, path)
		if got := strings.Contains(b, "vm_metric_include"); got != matched {
			t.Errorf("matched=%v: vm_metric_include present=%v:\n%s", matched, got, b)
		}
		if !strings.Contains(b, `vcenters             = ["https://127.0.0.1:1/sdk"]`) || !strings.Contains(b, `interval       = "20s"`) {
			t.Errorf("telegraf config:\n%s", b)
		}
	}
}
