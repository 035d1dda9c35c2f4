package history

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/resource"
)

// clock is a simulated clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func openTest(t testing.TB, path string, c *clock) (*History, *sql.DB) {
	t.Helper()
	db, err := database.Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := Open(context.Background(), db, nil, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return h, db
}

var t0 = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// feed records one sample per step for d, flushing every minute.
func feed(t testing.TB, h *History, c *clock, d, step time.Duration, f func(at time.Time) []resource.Metric) {
	t.Helper()
	end := c.t.Add(d)
	lastFlush := c.t
	for c.t.Before(end) {
		h.Record(f(c.t))
		c.t = c.t.Add(step)
		if c.t.Sub(lastFlush) >= time.Minute {
			if err := h.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			lastFlush = c.t
		}
	}
}

func TestTiersAndDownsampling(t *testing.T) {
	c := &clock{t: t0}
	h, db := openTest(t, filepath.Join(t.TempDir(), "pulse.db"), c)
	spikeAt := t0.Add(150 * time.Minute)
	feed(t, h, c, 3*time.Hour, 10*time.Second, func(at time.Time) []resource.Metric {
		v := 0.25
		if at.Equal(spikeAt) {
			v = 0.99 // one 10 s peak
		}
		return []resource.Metric{{Resource: "vm-1", Name: "cpu_usage_ratio", Value: v, Time: at}}
	})
	ctx := context.Background()

	tests := []struct {
		rng      string
		points   int
		tier     string
		min, max int // expected number of points
	}{
		{"1h", 0, "raw", 290, 300},
		{"1h", 1000, "raw", 359, 361},
		{"1h", 50, "raw", 40, 50},
		{"6h", 0, "1m", 180, 181},
		{"24h", 60, "1m", 7, 8}, // 3 h of data in 24-minute buckets
		{"7d", 0, "1h", 3, 4},
		{"1y", 0, "1d", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			r, err := h.Query(ctx, "vm-1", "cpu_usage_ratio", tt.rng, tt.points)
			if err != nil {
				t.Fatal(err)
			}
			if r.Tier != tt.tier || len(r.Points) < tt.min || len(r.Points) > tt.max {
				t.Fatalf("tier %s with %d points, want %s with %d..%d", r.Tier, len(r.Points), tt.tier, tt.min, tt.max)
			}
			peak := 0.0
			for i, p := range r.Points {
				if i > 0 && p.T <= r.Points[i-1].T {
					t.Fatalf("points out of order at %d", i)
				}
				peak = math.Max(peak, p.Max)
				if p.Min > p.Avg+1e-6 || p.Avg > p.Max+1e-6 {
					t.Fatalf("point %v: min <= avg <= max does not hold", p)
				}
			}
			if math.Abs(peak-0.99) > 1e-6 {
				t.Errorf("peak %v, want the 0.99 spike kept by max", peak)
			}
		})
	}

	// Raw chunks older than 2 h (plus slack) are pruned; 1m chunks are not.
	var oldRaw, old1m int
	cut := c.t.Add(-2*time.Hour - 2*time.Minute).Unix()
	db.QueryRow(`SELECT count(*) FROM history_chunk WHERE tier = 0 AND start < ?`, cut).Scan(&oldRaw)
	db.QueryRow(`SELECT count(*) FROM history_chunk WHERE tier = 1 AND start < ?`, cut).Scan(&old1m)
	if oldRaw != 0 || old1m == 0 {
		t.Errorf("raw chunks before the cut: %d (want 0); 1m chunks: %d (want some)", oldRaw, old1m)
	}
}

func TestCounterRateWithReset(t *testing.T) {
	c := &clock{t: t0}
	h, _ := openTest(t, filepath.Join(t.TempDir(), "pulse.db"), c)
	// 1000 B/s, then the counter resets to 0 and goes on at 1000 B/s.
	vals := []float64{0, 10000, 20000, 30000, 5000, 15000, 25000}
	for i, v := range vals {
		h.Record([]resource.Metric{{Resource: "vm-1", Name: "network_receive_bytes_total", Value: v, Time: t0.Add(time.Duration(i) * 10 * time.Second)}})
	}
	c.t = t0.Add(time.Minute)
	r, err := h.Query(context.Background(), "vm-1", "network_receive_bytes_total", "1h", 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "rate" || r.Unit != "bytes/s" {
		t.Errorf("kind %q unit %q, want rate bytes/s", r.Kind, r.Unit)
	}
	want := []float64{1000, 1000, 1000, 500, 1000, 1000} // the reset counts 5000 B from zero
	if len(r.Points) != len(want) {
		t.Fatalf("%d points, want %d: %v", len(r.Points), len(want), r.Points)
	}
	for i, p := range r.Points {
		if p.Avg != want[i] {
			t.Errorf("point %d = %v, want %v", i, p.Avg, want[i])
		}
	}
}

func TestPersistsAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pulse.db")
	c := &clock{t: t0}
	h, db := openTest(t, path, c)
	feed(t, h, c, 30*time.Minute, 10*time.Second, func(at time.Time) []resource.Metric {
		return []resource.Metric{
			{Resource: "vm-1", Name: "memory_used_bytes", Value: 1 << 30, Time: at},
			{Resource: "vm-2", Name: "memory_used_bytes", Value: 2 << 30, Time: at},
		}
	})
	// Shut down the way Run does: close open buckets and flush.
	if err := h.flush(context.Background(), c.t, true); err != nil {
		t.Fatal(err)
	}
	db.Close()

	h2, _ := openTest(t, path, c)
	for _, tt := range []struct {
		rng  string
		want int
	}{{"1h", 180}, {"24h", 30}, {"7d", 1}} {
		r, err := h2.Query(context.Background(), "vm-2", "memory_used_bytes", tt.rng, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Points) != tt.want || r.Points[0].Avg != 2<<30 {
			t.Errorf("%s after restart: %d points (first %v), want %d of 2 GiB", tt.rng, len(r.Points), r.Points, tt.want)
		}
	}
}

func TestRecordIgnoresRepeatsAndBadValues(t *testing.T) {
	c := &clock{t: t0.Add(time.Minute)}
	h, _ := openTest(t, filepath.Join(t.TempDir(), "pulse.db"), c)
	m := resource.Metric{Resource: "vm-1", Name: "cpu_usage_ratio", Value: 0.5, Time: t0}
	h.Record([]resource.Metric{m, m, {Resource: "vm-1", Name: "cpu_usage_ratio", Value: math.NaN(), Time: t0.Add(time.Second)}})
	r, _ := h.Query(context.Background(), "vm-1", "cpu_usage_ratio", "1h", 0)
	if len(r.Points) != 1 || h.Stats().Dropped != 1 {
		t.Errorf("%d points and %d dropped, want 1 and 1", len(r.Points), h.Stats().Dropped)
	}
	if r, _ := h.Query(context.Background(), "vm-1", "memory_used_bytes", "1h", 0); r.Points == nil {
		t.Error("a series without points has nil Points (JSON null), want []")
	}
	if r, _ := h.Query(context.Background(), "vm-2", "cpu_usage_ratio", "1h", 0); r.Points == nil {
		t.Error("a resource without history has nil Points (JSON null), want []")
	}
	if _, err := h.Query(context.Background(), "vm-1", "cpu_usage_ratio", "2w", 0); err == nil {
		t.Error("range 2w accepted")
	}
}

func TestDownsampleKeepsExtremes(t *testing.T) {
	var pts []Point
	for i := range 1000 {
		v := float64(i % 7)
		pts = append(pts, Point{T: int64(i), Min: v, Max: v, Avg: v, N: 1})
	}
	out := Downsample(pts, 0, 999, 10)
	if len(out) != 10 {
		t.Fatalf("%d points", len(out))
	}
	for _, p := range out {
		if p.Min != 0 || p.Max != 6 || p.N != 100 {
			t.Errorf("bucket %+v lost an extreme", p)
		}
	}
}
