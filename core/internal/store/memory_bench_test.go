package store

import (
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Published bounds (docs/performance.md) on the store's live heap per
// canonical resource (record, canonical view, indexes; PVE-like guests
// with identity, topology and ~200 bytes of attributes) and per metric
// series (its latest sample).
const (
	BytesPerResourceBudget = 4096
	BytesPerSeriesBudget   = 256
)

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// withoutMetrics returns copies of batches that carry no metrics.
func withoutMetrics(in []*pb.Batch) []*pb.Batch {
	out := make([]*pb.Batch, len(in))
	for i, b := range in {
		out[i] = &pb.Batch{Resources: b.Resources, Relationships: b.Relationships}
	}
	return out
}

// storeFootprint applies a 20-node cluster of guests (resources only, then
// with 11 metrics per guest and 6 per node) and returns the live heap the
// store holds per resource and per metric series.
func storeFootprint(tb testing.TB, guests int) (perResource, perSeries float64, series int) {
	const nodes = 20
	rule := pveRule(tb)
	batches := decodeWire(tb, pveWire(tb, nodes, guests, 0))
	bare := withoutMetrics(batches)
	for _, b := range batches {
		series += len(b.Metrics)
	}
	at := time.Unix(1_800_000_000, 0)

	s, err := Open(tb.TempDir()+"/pulse.db", hclog.NewNullLogger())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	opened := liveHeap()
	ingestApply(tb, s, rule, bare, at)
	withRes := liveHeap()
	ingestApply(tb, s, rule, batches, at.Add(10*time.Second))
	withMetrics := liveHeap()
	runtime.KeepAlive(batches)
	perResource = float64(withRes-opened) / float64(nodes+guests)
	perSeries = float64(withMetrics-withRes) / float64(series)
	return perResource, perSeries, series
}

// BenchmarkStoreFootprint reports the store's live heap per resource and
// per metric series for 5,020 resources and 55,120 series, and fails when
// either exceeds its published bound, so it cannot regress silently.
func BenchmarkStoreFootprint(b *testing.B) {
	for b.Loop() {
		perRes, perSeries, series := storeFootprint(b, 5000)
		b.ReportMetric(perRes, "bytes/resource")
		b.ReportMetric(perSeries, "bytes/series")
		b.ReportMetric(float64(series), "series")
		if perRes > BytesPerResourceBudget || perSeries > BytesPerSeriesBudget {
			b.Errorf("store footprint %.0f B/resource, %.0f B/series exceeds the bounds %d and %d", perRes, perSeries, BytesPerResourceBudget, BytesPerSeriesBudget)
		}
	}
}

// TestStoreFootprintWithinBudget is the same check at 1,000 guests, in
// make test.
func TestStoreFootprintWithinBudget(t *testing.T) {
	perRes, perSeries, _ := storeFootprint(t, 1000)
	t.Logf("%.0f bytes/resource, %.0f bytes/series", perRes, perSeries)
	if perRes > BytesPerResourceBudget || perSeries > BytesPerSeriesBudget {
		t.Fatalf("store footprint %.0f B/resource, %.0f B/series exceeds the bounds %d and %d", perRes, perSeries, BytesPerResourceBudget, BytesPerSeriesBudget)
	}
}
