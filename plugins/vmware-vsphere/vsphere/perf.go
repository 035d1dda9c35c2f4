package vsphere

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Realtime performance gathering.
const (
	// realtimeInterval is vSphere's realtime sampling interval (seconds).
	realtimeInterval = 20
	// defaultMaxQuery is the entities per QueryPerf when the server's
	// config.vpxd.stats.maxQueryMetrics cannot be read.
	defaultMaxQuery = 64
	// unlimitedMaxQuery caps batches when the server sets no limit.
	unlimitedMaxQuery = 256
	// perfParallel is how many QueryPerf calls run at once.
	perfParallel = 4
	// maxQueryOption is the vCenter advanced setting that limits a query.
	maxQueryOption = "config.vpxd.stats.maxQueryMetrics"
)

// perfMetric maps one vSphere counter to a canonical metric.
type perfMetric struct {
	counter string  // group.name.rollup
	name    string  // canonical metric name
	unit    string  // canonical unit
	scale   float64 // multiplier from the counter's unit
	// rate marks an average rate per sample interval (KBps): it is
	// integrated into a canonical _total counter (see perfAccum).
	rate bool
}

// perfMetrics are the realtime counters gathered for VMs and hosts, with
// canonical names (core/resource/metrics.go). vSphere reports disk and
// network I/O as the average KBps of each 20-second sample; the canonical
// vocabulary has byte counters there, so those are integrated (average ×
// interval) into counters the adapter keeps per entity.
var perfMetrics = []perfMetric{
	{"cpu.usage.average", "cpu_usage_ratio", "ratio", 1.0 / 10000, false}, // hundredths of a percent
	{"mem.consumed.average", "memory_used_bytes", "bytes", 1024, false},   // KB
	{"disk.read.average", "disk_read_bytes_total", "bytes", 1024 * realtimeInterval, true},
	{"disk.write.average", "disk_write_bytes_total", "bytes", 1024 * realtimeInterval, true},
	{"net.received.average", "network_receive_bytes_total", "bytes", 1024 * realtimeInterval, true},
	{"net.transmitted.average", "network_transmit_bytes_total", "bytes", 1024 * realtimeInterval, true},
}

// maxRateSamples bounds how many realtime samples one gather integrates
// per entity (5 minutes); a longer gap between gathers undercounts.
const maxRateSamples = 15

// perfSetup returns the counter ids and the per-query entity limit, read
// once per session.
func (cn *conn) perfSetup(ctx context.Context, st *state) (map[string]int32, int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.counters != nil {
		return st.counters, st.maxQuery, nil
	}
	pm := st.c.ServiceContent.PerfManager
	if pm == nil {
		return nil, 0, fmt.Errorf("performance manager not available")
	}
	var m mo.PerformanceManager
	if err := retrieveOne(ctx, st, *pm, []string{"perfCounter"}, &m); err != nil {
		return nil, 0, fmt.Errorf("read perf counters: %w", err)
	}
	counters := make(map[string]int32, len(perfMetrics))
	for _, c := range m.PerfCounter {
		k := c.GroupInfo.GetElementDescription().Key + "." + c.NameInfo.GetElementDescription().Key + "." + string(c.RollupType)
		counters[k] = c.Key
	}
	st.counters = counters
	st.maxQuery = cn.readMaxQuery(ctx, st)
	return st.counters, st.maxQuery, nil
}

// readMaxQuery reads config.vpxd.stats.maxQueryMetrics; unreadable or
// unset means the documented default.
func (cn *conn) readMaxQuery(ctx context.Context, st *state) int {
	om := st.c.ServiceContent.Setting
	if om == nil {
		return defaultMaxQuery
	}
	res, err := methods.QueryOptions(ctx, st.c, &types.QueryOptions{This: *om, Name: maxQueryOption})
	if err != nil || len(res.Returnval) == 0 {
		return defaultMaxQuery
	}
	var n int
	switch v := res.Returnval[0].GetOptionValue().Value.(type) {
	case int32:
		n = int(v)
	case int64:
		n = int(v)
	case string:
		n, _ = strconv.Atoi(v)
	default:
		return defaultMaxQuery
	}
	if n <= 0 {
		return unlimitedMaxQuery
	}
	return n
}

// gatherPerf queries the latest realtime sample of every powered-on VM and
// connected host, in batches under the server's limit, and returns the
// metrics.
func (cn *conn) gatherPerf(ctx context.Context, st *state, inv *inventory) ([]sdk.Metric, error) {
	counters, limit, err := cn.perfSetup(ctx, st)
	if err != nil {
		return nil, err
	}
	var ids []types.PerfMetricId
	byKey := map[int32]perfMetric{}
	for _, pm := range perfMetrics {
		if k, ok := counters[pm.counter]; ok {
			ids = append(ids, types.PerfMetricId{CounterId: k})
			byKey[k] = pm
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("gather perf: the server has none of the realtime counters")
	}
	var entities []types.ManagedObjectReference
	for _, r := range sortedRefs(inv.hosts) {
		if h := inv.hosts[r]; h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected {
			entities = append(entities, r)
		}
	}
	for _, r := range sortedRefs(inv.vms) {
		if inv.vms[r].Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			entities = append(entities, r)
		}
	}
	gatherStart := time.Now()
	var batches [][]types.PerfQuerySpec
	for i := 0; i < len(entities); i += limit {
		end := min(i+limit, len(entities))
		b := make([]types.PerfQuerySpec, 0, end-i)
		for _, e := range entities[i:end] {
			b = append(b, types.PerfQuerySpec{Entity: e, MaxSample: cn.acc.samples(e.Value, gatherStart), IntervalId: realtimeInterval, MetricId: ids})
		}
		batches = append(batches, b)
	}

	results := make([][]types.BasePerfEntityMetricBase, len(batches))
	errs := make([]error, len(batches))
	sem := make(chan struct{}, perfParallel)
	var wg sync.WaitGroup
	for i, b := range batches {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := methods.QueryPerf(ctx, st.c, &types.QueryPerf{This: *st.c.ServiceContent.PerfManager, QuerySpec: b})
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = res.Returnval
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("query perf: %w", err)
		}
	}
	out := make([]sdk.Metric, 0, len(entities)*len(ids))
	cn.acc.begin(gatherStart)
	for _, batch := range results {
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
				pm, ok := byKey[series.Id.CounterId]
				if !ok {
					continue
				}
				if pm.rate {
					total := cn.acc.add(em.Entity.Value, pm.name, em.SampleInfo, series.Value, pm.scale)
					out = append(out, sdk.Metric{Resource: em.Entity.Value, Name: pm.name, Unit: pm.unit, Value: total, Time: ts})
					continue
				}
				v := series.Value[len(series.Value)-1]
				if v < 0 { // -1 means no data for the interval
					continue
				}
				out = append(out, sdk.Metric{
					Resource: em.Entity.Value, Name: pm.name, Unit: pm.unit,
					Value: float64(v) * pm.scale, Time: ts,
				})
			}
		}
	}
	cn.acc.end()
	return out, nil
}

// perfDue reports whether a perf gather is due, and records it.
func (cn *conn) perfDue(now time.Time) bool {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.cfg.perfInterval > 0 && !cn.last.IsZero() && now.Sub(cn.last) < cn.cfg.perfInterval {
		return false
	}
	cn.last = now
	return true
}
