package history

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/resource"
)

// Options tune a History; zero values take the defaults.
type Options struct {
	// FlushInterval is how often pending points go to disk (default 1m).
	FlushInterval time.Duration
	// MaxPending bounds each series' pending raw samples; past it (a disk
	// that keeps failing) new raw samples are dropped and counted, while the
	// downsampled tiers still take them (default 360).
	MaxPending int
	// Now is the clock (default time.Now); tests and benchmarks simulate time.
	Now func() time.Time
}

// History records metric samples and answers range queries.
type History struct {
	log  hclog.Logger
	db   *sql.DB
	opts Options

	mu       sync.Mutex
	res      map[string]*resState
	metricID map[string]uint32
	names    []string // by metric id - 1
	unsaved  []uint32 // metric ids not yet in history_metric
	stats    Stats
}

// Stats are counters for metrics and tests.
type Stats struct {
	// Series is the number of series held in memory.
	Series int
	// Samples is the number of samples recorded.
	Samples uint64
	// Dropped counts raw samples dropped past MaxPending or for bad values.
	Dropped uint64
	// Rows counts chunk rows written.
	Rows uint64
	// FlushErrors counts failed flushes (their points are lost).
	FlushErrors uint64
}

type resState struct{ series []*series }

// series is one (resource, metric) in memory: what is pending for each tier
// and the open downsampling buckets.
type series struct {
	metric  uint32
	counter bool
	hasLast bool
	lastT   int64   // time of the last accepted sample
	lastV   float64 // the counter's last raw value
	pend    [numTiers]pending
	acc     [numTiers - 1]bucket // open buckets of tiers 1..3
}

type bucket struct {
	start         int64
	min, max, sum float64
	n             uint32
}

func (b *bucket) add(start int64, v float64) {
	if b.n == 0 {
		b.start, b.min, b.max, b.sum = start, v, v, 0
	}
	b.min, b.max = math.Min(b.min, v), math.Max(b.max, v)
	b.sum += v
	b.n++
}

func (b *bucket) point() Point {
	return Point{T: b.start, Min: b.min, Max: b.max, Avg: b.sum / float64(b.n), N: b.n}
}

// Open migrates the history tables in db (the core's pulse.db, opened with
// database.Open) and loads the metric names.
func Open(ctx context.Context, db *sql.DB, log hclog.Logger, opts Options) (*History, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = time.Minute
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 360
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := database.Migrate(ctx, db, "history", migrations); err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	h := &History{log: log.Named("history"), db: db, opts: opts, res: map[string]*resState{}, metricID: map[string]uint32{}}
	rows, err := db.QueryContext(ctx, `SELECT id, name FROM history_metric ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint32
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("open history: %w", err)
		}
		for uint32(len(h.names)) < id {
			h.names = append(h.names, "")
		}
		h.names[id-1] = name
		h.metricID[name] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	return h, nil
}

// IsCounter reports whether history records the metric as a rate: it is a
// counter of the vocabulary, or an unknown name ending in _total.
func IsCounter(name string) bool {
	if d, ok := resource.LookupMetric(name); ok {
		return d.Kind == resource.Counter
	}
	return strings.HasSuffix(name, "_total")
}

// Record takes samples with canonical resource ids. It only touches memory
// and is cheap enough to call on the store's commit path. Samples not newer
// than their series' last sample are ignored (a platform repeating its last
// value), as are NaN and infinite values.
func (h *History) Record(ms []resource.Metric) {
	if len(ms) == 0 {
		return
	}
	now := h.opts.Now().Unix()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range ms {
		t := m.Time.Unix()
		if m.Time.IsZero() {
			t = now
		}
		s := h.seriesFor(m.Resource, m.Name)
		if s.hasLast && t <= s.lastT {
			continue
		}
		v := m.Value
		if math.IsNaN(v) || math.IsInf(v, 0) {
			h.stats.Dropped++
			continue
		}
		if s.counter {
			if !s.hasLast {
				s.hasLast, s.lastT, s.lastV = true, t, v
				continue
			}
			inc := v - s.lastV
			if inc < 0 { // a reset: the counter restarted from zero
				inc = v
			}
			v = inc / float64(t-s.lastT)
			s.lastV = m.Value
		}
		s.hasLast, s.lastT = true, t
		h.stats.Samples++
		if int(s.pend[0].n) < h.opts.MaxPending {
			s.pend[0].add(0, Point{T: t, Min: v, Max: v, Avg: v, N: 1})
		} else {
			h.stats.Dropped++
		}
		for i := 1; i < numTiers; i++ {
			step := int64(Tiers[i].Step / time.Second)
			start := t - mod(t, step)
			b := &s.acc[i-1]
			if b.n > 0 && b.start != start {
				s.pend[i].add(i, b.point())
				b.n = 0
			}
			b.add(start, v)
		}
	}
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// seriesFor finds or creates a series. Caller holds mu.
func (h *History) seriesFor(resourceID, metric string) *series {
	rs := h.res[resourceID]
	if rs == nil {
		rs = &resState{}
		h.res[strings.Clone(resourceID)] = rs
	}
	id := h.idFor(metric)
	for _, s := range rs.series {
		if s.metric == id {
			return s
		}
	}
	s := &series{metric: id, counter: IsCounter(metric)}
	rs.series = append(rs.series, s)
	h.stats.Series++
	return s
}

// idFor returns a metric name's id, assigning one (saved at the next flush)
// when it is new. Caller holds mu.
func (h *History) idFor(name string) uint32 {
	if id, ok := h.metricID[name]; ok {
		return id
	}
	name = strings.Clone(name)
	h.names = append(h.names, name)
	id := uint32(len(h.names))
	h.metricID[name] = id
	h.unsaved = append(h.unsaved, id)
	return id
}

// Stats returns the counters.
func (h *History) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// Run flushes every FlushInterval until ctx ends, then flushes once more,
// closing the open buckets so that a restart loses nothing recorded.
func (h *History) Run(ctx context.Context) {
	tick := time.NewTicker(h.opts.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := h.flush(fctx, h.opts.Now(), true); err != nil {
				h.log.Error("final history flush failed", "error", err)
			}
			cancel()
			return
		case <-tick.C:
			if err := h.Flush(ctx); err != nil {
				h.log.Warn("history flush failed", "error", err)
			}
		}
	}
}

// Flush writes every pending point to disk in one transaction and prunes
// each tier past its retention.
func (h *History) Flush(ctx context.Context) error {
	return h.flush(ctx, h.opts.Now(), false)
}

type chunkRow struct {
	tier     int
	resource string
	start    int64
	data     []byte
}

// flush collects pending points under the lock, then writes them without
// it. closeAll also closes every open bucket (shutdown); otherwise buckets
// close once they ended a flush interval ago, so a series that stopped
// reporting still gets its last points.
func (h *History) flush(ctx context.Context, now time.Time, closeAll bool) error {
	nowU := now.Unix()
	grace := int64(h.opts.FlushInterval / time.Second)
	idleAfter := int64(Tiers[numTiers-1].Step/time.Second) + 2*grace
	h.mu.Lock()
	var rows []chunkRow
	var newNames []struct {
		id   uint32
		name string
	}
	for _, id := range h.unsaved {
		newNames = append(newNames, struct {
			id   uint32
			name string
		}{id, h.names[id-1]})
	}
	h.unsaved = nil
	for rid, rs := range h.res {
		for _, s := range rs.series {
			for i := 1; i < numTiers; i++ {
				b := &s.acc[i-1]
				if b.n > 0 && (closeAll || b.start+int64(Tiers[i].Step/time.Second)+grace <= nowU) {
					s.pend[i].add(i, b.point())
					b.n = 0
				}
			}
		}
		for tier := range numTiers {
			var chunk []byte
			start := int64(math.MaxInt64)
			for _, s := range rs.series {
				if s.pend[tier].n == 0 {
					continue
				}
				start = min(start, s.pend[tier].first)
				chunk = s.pend[tier].appendBlock(chunk, s.metric)
			}
			if chunk != nil {
				rows = append(rows, chunkRow{tier, rid, start, chunk})
			}
		}
		// Forget series idle for longer than the coarsest bucket: all their
		// points are in rows by now.
		kept := rs.series[:0]
		for _, s := range rs.series {
			if nowU-s.lastT > idleAfter && !s.open() {
				h.stats.Series--
				continue
			}
			kept = append(kept, s)
		}
		clear(rs.series[len(kept):])
		rs.series = kept
		if len(kept) == 0 {
			delete(h.res, rid)
		}
	}
	h.mu.Unlock()

	err := h.write(ctx, nowU, newNames, rows)
	h.mu.Lock()
	if err != nil {
		h.stats.FlushErrors++
		// The names are needed by the next flush; the points are lost.
		for _, n := range newNames {
			h.unsaved = append(h.unsaved, n.id)
		}
	} else {
		h.stats.Rows += uint64(len(rows))
	}
	h.mu.Unlock()
	return err
}

func (s *series) open() bool {
	for i := range s.acc {
		if s.acc[i].n > 0 {
			return true
		}
	}
	for i := range s.pend {
		if s.pend[i].n > 0 {
			return true
		}
	}
	return false
}

func (h *History) write(ctx context.Context, now int64, names []struct {
	id   uint32
	name string
}, rows []chunkRow) error {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("flush history: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO history_metric(id, name) VALUES(?, ?)`, n.id, n.name); err != nil {
			return fmt.Errorf("flush history: metric names: %w", err)
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO history_chunk(tier, resource, start, data) VALUES(?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("flush history: %w", err)
	}
	defer ins.Close()
	for _, r := range rows {
		if _, err := ins.ExecContext(ctx, r.tier, r.resource, r.start, r.data); err != nil {
			return fmt.Errorf("flush history: insert: %w", err)
		}
	}
	for i, t := range Tiers {
		cut := now - int64((t.Retention+t.Step)/time.Second) - int64(h.opts.FlushInterval/time.Second)
		if _, err := tx.ExecContext(ctx, `DELETE FROM history_chunk WHERE tier = ? AND start < ?`, i, cut); err != nil {
			return fmt.Errorf("flush history: prune %s: %w", t.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("flush history: %w", err)
	}
	return nil
}
