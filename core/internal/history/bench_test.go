package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

var benchMetrics = []string{
	"cpu_usage_ratio", "memory_used_bytes", "memory_total_bytes", "memory_usage_ratio",
	"disk_used_bytes", "disk_read_bytes_total", "network_receive_bytes_total", "network_transmit_bytes_total",
}

// estate builds one poll's samples for n resources × 8 metrics.
func estate(n int) []resource.Metric {
	ms := make([]resource.Metric, 0, n*len(benchMetrics))
	for i := range n {
		id := fmt.Sprintf("vm-%016x", i*7919)
		for _, name := range benchMetrics {
			ms = append(ms, resource.Metric{Resource: id, Name: name})
		}
	}
	return ms
}

// tick fills the samples' values and time for poll number k.
func tick(ms []resource.Metric, k int, at time.Time) {
	for i := range ms {
		ms[i].Time = at
		switch i % 8 {
		case 5, 6, 7: // counters
			ms[i].Value = float64(k) * float64(1000+i%977)
		default:
			ms[i].Value = float64((i*31+k*17)%1000) / 1000
		}
	}
}

func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func dirMB(dir string) float64 {
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return float64(n) / (1 << 20)
}

// MemoryBudgetMB is the published bound (README) on the history's heap for
// 10,000 resources × 8 metrics at a 10 s interval.
const MemoryBudgetMB = 60

// BenchmarkHistoryMemory: 10,000 resources × 8 metrics every 10 s for 30
// simulated minutes, flushed every minute. Memory holds only pending points
// and open buckets per series, so this is the steady state (see the soak).
// heap_MB is the live heap after GC with the history (and nothing else of
// note) in it.
func BenchmarkHistoryMemory(b *testing.B) {
	for range b.N {
		dir := b.TempDir()
		c := &clock{t: t0}
		base := heapMB()
		h, _ := openTest(b, filepath.Join(dir, "pulse.db"), c)
		ms := estate(10000)
		start := time.Now()
		peak := 0.0
		for k := range 180 {
			tick(ms, k, c.t)
			h.Record(ms)
			c.t = c.t.Add(10 * time.Second)
			if k%6 == 5 {
				if k%60 == 59 {
					peak = max(peak, heapMB()-base)
				}
				if err := h.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		}
		el := time.Since(start)
		ms = nil
		runtime.KeepAlive(ms)
		b.ReportMetric(peak, "heap_MB")
		if peak > MemoryBudgetMB {
			b.Errorf("history heap %.1f MB exceeds the published budget of %d MB", peak, MemoryBudgetMB)
		}
		b.ReportMetric(float64(h.Stats().Series), "series")
		b.ReportMetric(float64(el.Nanoseconds())/float64(h.Stats().Samples), "ns/sample")
		b.ReportMetric(dirMB(dir), "disk_MB_30min")
	}
}

// BenchmarkHistorySoak: 100 resources × 8 metrics every 10 s for 26
// simulated hours (past the raw and 1-minute retentions). The heap after 26
// hours is the heap after 3 hours: it does not grow with time.
func BenchmarkHistorySoak(b *testing.B) {
	for range b.N {
		c := &clock{t: t0}
		base := heapMB()
		h, _ := openTest(b, filepath.Join(b.TempDir(), "pulse.db"), c)
		ms := estate(100)
		var at3h, at26h float64
		for k := range 26 * 360 {
			tick(ms, k, c.t)
			h.Record(ms)
			c.t = c.t.Add(10 * time.Second)
			if k%6 == 5 {
				if err := h.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			switch k + 1 {
			case 3 * 360:
				at3h = heapMB() - base
			case 26 * 360:
				at26h = heapMB() - base
			}
		}
		b.ReportMetric(at3h, "heap_MB_3h")
		b.ReportMetric(at26h, "heap_MB_26h")
		b.ReportMetric(at26h/at3h, "growth_ratio")
		if at26h > 1.25*at3h {
			b.Errorf("history heap grew from %.2f MB at 3 h to %.2f MB at 26 h", at3h, at26h)
		}
	}
}
