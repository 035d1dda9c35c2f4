package kube

import (
	"context"
	"runtime"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/pulsehost/pulse/agent/internal/kube/fakeapi"
)

// BenchmarkCollect2000Pods is one report cycle of the module on a
// 2,000-pod cluster (the fake API server over HTTPS, 20 nodes, Velero,
// snapshots and metrics.k8s.io on): the informers' caches read, the usage
// listed from metrics.k8s.io, the telemetry built. It reports the time and
// allocations per cycle, and the live heap the informers' caches hold.
func BenchmarkCollect2000Pods(b *testing.B) {
	s, err := fakeapi.Serve(fakeapi.New(fakeapi.Options{Nodes: 20, Pods: 2000, Faults: true}), "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(s.Kubeconfig())
	if err != nil {
		b.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 20, 40
	cs, _ := kubernetes.NewForConfig(cfg)
	dyn, _ := dynamic.NewForConfig(cfg)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	m, err := New(ctx, Options{Clientset: cs, Dynamic: dyn, Name: "bench", CommandsEnabled: true})
	if err != nil {
		b.Fatal(err)
	}
	synced := time.Since(start)
	k := m.Collect(ctx)
	if len(k.Pods) != 2000 || len(k.Nodes) != 20 || !k.MetricsAPI || len(k.RecoveryPoints) == 0 {
		b.Fatalf("cluster: %d pods %d nodes metrics %v recovery %d error %q", len(k.Pods), len(k.Nodes), k.MetricsAPI, len(k.RecoveryPoints), k.Error)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	reqs := s.Requests()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		m.Collect(ctx)
		n++
	}
	b.StopTimer()
	b.ReportMetric(float64(synced.Milliseconds()), "sync-ms")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "cache-heap-MB")
	b.ReportMetric(float64(s.Requests()-reqs)/float64(max(n, 1)), "requests/cycle")
}
