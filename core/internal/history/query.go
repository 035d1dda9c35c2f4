package history

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// DefaultPoints is how many points a query returns when it does not say.
const DefaultPoints = 300

// MaxPoints is the most points a query may ask for.
const MaxPoints = 5000

// Result is a series ready for a chart.
type Result struct {
	// Resource and Metric name the series.
	Resource string `json:"resource"`
	Metric   string `json:"metric"`
	// Unit is the vocabulary's unit; for a counter it is per second.
	Unit string `json:"unit"`
	// Kind is "gauge", or "rate" for a counter shown as its per-second rate.
	Kind string `json:"kind"`
	// Range is the range asked for; Tier the tier the points come from.
	Range string `json:"range"`
	Tier  string `json:"tier"`
	// From and To bound the range (unix seconds).
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// Points are [time, avg, min, max] in time order, at most the number asked.
	Points []Point `json:"points"`
}

// MarshalJSON writes a point as [t, avg, min, max].
func (p Point) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, '[')
	b = strconv.AppendInt(b, p.T, 10)
	for _, v := range []float64{p.Avg, p.Min, p.Max} {
		b = append(b, ',')
		b = strconv.AppendFloat(b, v, 'g', 7, 64)
	}
	return append(b, ']'), nil
}

var _ json.Marshaler = Point{}

// Query returns metric's series of resourceID over the last d, from the
// finest tier that covers d, reduced to at most points points by min/max
// bucketing (each returned point keeps the minimum and maximum of the points
// it replaces). Points not yet flushed are included, and for a downsampled
// tier so is the open bucket.
func (h *History) Query(ctx context.Context, resourceID, metric, rangeName string, points int) (Result, error) {
	d, err := ParseRange(rangeName)
	if err != nil {
		return Result{}, err
	}
	if points <= 0 {
		points = DefaultPoints
	}
	if points > MaxPoints {
		return Result{}, fmt.Errorf("points=%d is more than %d", points, MaxPoints)
	}
	tier := TierFor(d)
	now := h.opts.Now().Unix()
	from := now - int64(d/time.Second)
	res := Result{Resource: resourceID, Metric: metric, Range: rangeName, Tier: Tiers[tier].Name, From: from, To: now, Kind: "gauge", Points: []Point{}}
	if def, ok := resource.LookupMetric(metric); ok {
		res.Unit = string(def.Unit)
	}
	if IsCounter(metric) {
		res.Kind = "rate"
		res.Unit += "/s"
	}

	h.mu.Lock()
	id, known := h.metricID[metric]
	h.mu.Unlock()
	if !known {
		return res, nil
	}
	slack := int64((2*h.opts.FlushInterval + Tiers[tier].Step) / time.Second)
	rows, err := h.db.QueryContext(ctx, `SELECT data FROM history_chunk WHERE tier = ? AND resource = ? AND start >= ? ORDER BY start`, tier, resourceID, from-slack)
	if err != nil {
		return res, fmt.Errorf("query history: %w", err)
	}
	var pts []Point
	keep := func(m uint32) bool { return m == id }
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			rows.Close()
			return res, fmt.Errorf("query history: %w", err)
		}
		if pts, err = decodeChunk(tier, data, keep, pts); err != nil {
			rows.Close()
			return res, fmt.Errorf("query history %s %s: %w", resourceID, metric, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("query history: %w", err)
	}

	h.mu.Lock()
	if rs := h.res[resourceID]; rs != nil {
		for _, s := range rs.series {
			if s.metric != id {
				continue
			}
			pts, err = s.pend[tier].points(tier, pts)
			if tier > 0 && s.acc[tier-1].n > 0 {
				pts = append(pts, s.acc[tier-1].point())
			}
		}
	}
	h.mu.Unlock()
	if err != nil {
		return res, fmt.Errorf("query history: %w", err)
	}
	pts = slices.DeleteFunc(pts, func(p Point) bool { return p.T < from || p.T > now })
	if pts = Downsample(mergeSame(pts), from, now, points); pts != nil {
		res.Points = pts
	}
	return res, nil
}

// mergeSame sorts points by time and merges points with the same time (a
// bucket split by a restart), weighting means by sample count.
func mergeSame(pts []Point) []Point {
	slices.SortStableFunc(pts, func(a, b Point) int { return int(a.T - b.T) })
	out := pts[:0]
	for _, p := range pts {
		if n := len(out); n > 0 && out[n-1].T == p.T {
			out[n-1] = combine(out[n-1], p)
			continue
		}
		out = append(out, p)
	}
	return out
}

func combine(a, b Point) Point {
	n := a.N + b.N
	if n == 0 {
		n = 1
	}
	return Point{
		T: a.T, Min: math.Min(a.Min, b.Min), Max: math.Max(a.Max, b.Max), N: a.N + b.N,
		Avg: (a.Avg*float64(a.N) + b.Avg*float64(b.N)) / float64(n),
	}
}

// Downsample reduces time-ordered pts over [from, to] to at most n points
// by min/max bucketing: the range is cut into n equal buckets and each
// non-empty bucket becomes one point at its first point's time, with the
// count-weighted mean and the extreme minimum and maximum of its points.
func Downsample(pts []Point, from, to int64, n int) []Point {
	if len(pts) <= n || n <= 0 {
		return pts
	}
	span := to - from + 1
	out := make([]Point, 0, n)
	cur := -1
	for _, p := range pts {
		b := int((p.T - from) * int64(n) / span)
		if b >= n {
			b = n - 1
		}
		if b != cur || len(out) == 0 {
			out = append(out, p)
			cur = b
			continue
		}
		out[len(out)-1] = combine(out[len(out)-1], p)
	}
	return out
}

// UnmarshalJSON reads a point written by MarshalJSON.
func (p *Point) UnmarshalJSON(b []byte) error {
	var a [4]float64
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("history point: %w", err)
	}
	p.T, p.Avg, p.Min, p.Max = int64(a[0]), a[1], a[2], a[3]
	return nil
}
