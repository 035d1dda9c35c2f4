package vsphere

import (
	"context"
	"fmt"
	"sync"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// perfGather runs the QueryPerf batches of one realtime gather. Entities
// are added while the inventory is still being read (offer sees each
// object as it is decoded), a batch is sent as soon as it is full, at most
// perfParallel at once, and wait returns the metrics in perfEntities
// order. Overlapping the gather with the read takes its round trips off
// the collect's critical path.
type perfGather struct {
	ctx    context.Context
	cancel context.CancelFunc
	st     *state
	ids    []types.PerfMetricId
	byKey  map[int32]perfMetric
	limit  int
	sem    chan struct{}
	wg     sync.WaitGroup

	mu      sync.Mutex
	err     error
	seen    map[types.ManagedObjectReference]bool
	pending []types.ManagedObjectReference
	metrics map[types.ManagedObjectReference][]sdk.Metric
}

// startPerf prepares a gather on st (reading the counter ids and query
// limit once per session). A setup failure is reported by wait.
func (cn *conn) startPerf(ctx context.Context, st *state) *perfGather {
	g := &perfGather{
		st: st, sem: make(chan struct{}, perfParallel),
		byKey: map[int32]perfMetric{}, seen: map[types.ManagedObjectReference]bool{},
		metrics: map[types.ManagedObjectReference][]sdk.Metric{},
	}
	g.ctx, g.cancel = context.WithCancel(ctx)
	counters, limit, err := cn.perfSetup(ctx, st)
	if err != nil {
		g.err = err
		return g
	}
	for _, pm := range perfMetrics {
		if k, ok := counters[pm.counter]; ok {
			g.ids = append(g.ids, types.PerfMetricId{CounterId: k})
			g.byKey[k] = pm
		}
	}
	if len(g.ids) == 0 {
		g.err = fmt.Errorf("gather perf: the server has none of the realtime counters")
	}
	g.limit = limit
	return g
}

// offer adds oc's entity when it is a powered-on VM (by its summary, the
// state its projection uses) or a connected host. A nil gather ignores it.
func (g *perfGather) offer(oc types.ObjectContent) {
	if g == nil {
		return
	}
	for _, p := range oc.PropSet {
		switch p.Name {
		case "summary":
			if sum, ok := p.Val.(types.VirtualMachineSummary); ok && sum.Config.Name != "" &&
				sum.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				g.add(oc.Obj)
			}
		case "runtime.connectionState":
			if cs, ok := p.Val.(types.HostSystemConnectionState); ok && cs == types.HostSystemConnectionStateConnected {
				g.add(oc.Obj)
			}
		}
	}
}

// add queues one entity, sending a batch when it is full.
func (g *perfGather) add(ref types.ManagedObjectReference) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil || g.seen[ref] {
		return
	}
	g.seen[ref] = true
	g.pending = append(g.pending, ref)
	if len(g.pending) >= g.limit {
		g.sendLocked()
	}
}

// sendLocked sends the pending entities as one QueryPerf.
func (g *perfGather) sendLocked() {
	if len(g.pending) == 0 {
		return
	}
	specs := make([]types.PerfQuerySpec, 0, len(g.pending))
	for _, e := range g.pending {
		specs = append(specs, types.PerfQuerySpec{Entity: e, MaxSample: 1, IntervalId: realtimeInterval, MetricId: g.ids})
	}
	g.pending = nil
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		select {
		case g.sem <- struct{}{}:
		case <-g.ctx.Done():
			g.fail(g.ctx.Err())
			return
		}
		defer func() { <-g.sem }()
		res, err := methods.QueryPerf(g.ctx, g.st.c, &types.QueryPerf{This: *g.st.c.ServiceContent.PerfManager, QuerySpec: specs})
		if err != nil {
			g.fail(err)
			return
		}
		got := g.convert(res.Returnval)
		g.mu.Lock()
		for ref, ms := range got {
			g.metrics[ref] = append(g.metrics[ref], ms...)
		}
		g.mu.Unlock()
	}()
}

// fail records the first query error.
func (g *perfGather) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = fmt.Errorf("query perf: %w", err)
	}
}

// convert turns one QueryPerf result into metrics per entity: the latest
// sample of each aggregate (instance "") series with data.
func (g *perfGather) convert(batch []types.BasePerfEntityMetricBase) map[types.ManagedObjectReference][]sdk.Metric {
	out := make(map[types.ManagedObjectReference][]sdk.Metric, len(batch))
	for _, base := range batch {
		em, ok := base.(*types.PerfEntityMetric)
		if !ok || len(em.SampleInfo) == 0 {
			continue
		}
		last := len(em.SampleInfo) - 1
		ts := em.SampleInfo[last].Timestamp
		for _, s := range em.Value {
			series, ok := s.(*types.PerfMetricIntSeries)
			if !ok || series.Id.Instance != "" || len(series.Value) == 0 {
				continue
			}
			pm, ok := g.byKey[series.Id.CounterId]
			v := series.Value[len(series.Value)-1]
			if !ok || v < 0 { // -1 means no data for the interval
				continue
			}
			out[em.Entity] = append(out[em.Entity], sdk.Metric{
				Resource: em.Entity.Value, Name: pm.name, Unit: pm.unit,
				Value: float64(v) * pm.scale, Time: ts,
			})
		}
	}
	return out
}

// wait sends the last batch, waits for every query and returns the
// metrics of inv's perfEntities in that order (all or none).
func (g *perfGather) wait(inv *inventory) ([]sdk.Metric, error) {
	g.mu.Lock()
	if g.err == nil {
		g.sendLocked()
	}
	g.mu.Unlock()
	g.wg.Wait()
	g.cancel()
	if g.err != nil {
		return nil, g.err
	}
	entities := perfEntities(inv)
	out := make([]sdk.Metric, 0, len(entities)*len(g.ids))
	for _, r := range entities {
		out = append(out, g.metrics[r]...)
	}
	return out, nil
}

// abandon stops a gather whose results are not wanted.
func (g *perfGather) abandon() {
	if g == nil {
		return
	}
	g.cancel()
	g.wg.Wait()
}
