package truenas

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/tnrpc"
)

// watchedCollections are the events that save polling: app and pool state,
// and alerts.
var watchedCollections = []string{"app.query", "pool.query", "alert.list"}

// watch turns collection_update events into deltas until ctx ends. When the
// socket drops or a subscription is refused it returns an error: the core
// keeps polling and calls Watch again later.
func (c *conn) watch(ctx context.Context, out sdk.Emitter) error {
	c.mu.Lock()
	host := c.hostID
	c.mu.Unlock()
	if host == "" {
		return fmt.Errorf("watch needs one completed poll first (the system's host id)")
	}
	subs := make([]*tnrpc.Subscription, 0, len(watchedCollections))
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		for _, s := range subs {
			s.Close(cctx)
		}
	}()
	for _, coll := range watchedCollections {
		s, err := c.client.Subscribe(ctx, coll)
		if err != nil {
			return fmt.Errorf("watch: %w; polling continues", err)
		}
		subs = append(subs, s)
	}
	// CPU and memory in use arrive only as reporting.realtime events; a
	// server that refuses them leaves the agent with its static figures.
	var rt <-chan tnrpc.Event
	if s, err := c.client.Subscribe(ctx, "reporting.realtime"); err == nil {
		subs = append(subs, s)
		rt = s.C
	} else {
		c.log.Debug("no reporting.realtime events; CPU and memory in use are not reported", "error", err)
	}
	e := &emit{out: out}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-rt:
			if !ok {
				return fmt.Errorf("watch realtime: %w", subs[3].Err())
			}
			c.realtimeEvent(e, hostID(host), ev)
		case ev, ok := <-subs[0].C:
			if !ok {
				return fmt.Errorf("watch apps: %w", subs[0].Err())
			}
			c.appEvent(ctx, e, hostID(host), ev)
		case ev, ok := <-subs[1].C:
			if !ok {
				return fmt.Errorf("watch pools: %w", subs[1].Err())
			}
			c.poolEvent(ctx, e, hostID(host), ev)
		case _, ok := <-subs[2].C:
			if !ok {
				return fmt.Errorf("watch alerts: %w", subs[2].Err())
			}
			c.alertEvent(ctx, e, hostID(host))
		}
		if e.err != nil {
			return e.err
		}
	}
}

// appEvent upserts or removes one app, from the event's fields when they
// hold the whole app, else from a fresh read.
func (c *conn) appEvent(ctx context.Context, e *emit, host string, ev tnrpc.Event) {
	name := ev.IDString()
	if ev.Msg == "removed" {
		e.err = e.out.Removed(appID(name))
		for _, id := range appAlertIDs(name) {
			e.cleared(id)
		}
		return
	}
	var a appRow
	if len(ev.Fields) == 0 || json.Unmarshal(ev.Fields, &a) != nil || a.Name == "" || a.State == "" {
		var apps []appRow
		if err := c.client.Call(ctx, "app.query", []any{[]any{[]any{"name", "=", name}}, map[string]any{"extra": map[string]any{"retrieve_config": false}}}, &apps); err != nil || len(apps) == 0 {
			c.log.Debug("app event: re-read failed; the next poll covers it", "app", name, "error", err)
			return
		}
		a = apps[0]
	}
	r := appRecord(a)
	e.resource(r)
	e.rel(r.NativeID, resource.RelRunsOn, host)
	unexpected := c.observeApp(a)
	active := map[string]bool{}
	for _, al := range appAlerts(a, unexpected) {
		active[al.NativeID] = true
		e.alert(al)
	}
	for _, id := range appAlertIDs(a.Name) {
		if !active[id] {
			e.cleared(id)
		}
	}
}

// poolEvent re-reads the pool and upserts it with its alerts.
func (c *conn) poolEvent(ctx context.Context, e *emit, host string, ev tnrpc.Event) {
	var id any
	_ = json.Unmarshal(ev.ID, &id)
	var pools []poolRow
	if err := c.client.Call(ctx, "pool.query", []any{[]any{[]any{"id", "=", id}}}, &pools); err != nil || len(pools) == 0 {
		c.log.Debug("pool event: re-read failed; the next poll covers it", "id", string(ev.ID), "error", err)
		return
	}
	p := &projection{c: c, inv: &inventory{pools: pools}, now: c.opts.Now(), host: host}
	pl := pools[0]
	p.pool(e, pl)
	active := map[string]bool{}
	for _, a := range poolAlerts(pl, poolID(pl.Name)) {
		active[a.NativeID] = true
	}
	for _, id := range poolAlertIDs(pl.Name) {
		if !active[id] {
			e.cleared(id)
		}
	}
}

// alertEvent re-reads alert.list (small) and sends what changed.
func (c *conn) alertEvent(ctx context.Context, e *emit, host string) {
	var alerts []alertRow
	if err := c.client.Call(ctx, "alert.list", nil, &alerts); err != nil {
		c.log.Debug("alert event: re-read failed; the next poll covers it", "error", err)
		return
	}
	c.mu.Lock()
	pools := make([]poolRow, 0, len(c.pools))
	for name := range c.pools {
		pools = append(pools, poolRow{Name: name})
	}
	prev, disks := c.alerts, c.disks
	c.mu.Unlock()
	p := &projection{c: c, inv: &inventory{pools: pools}, now: c.opts.Now(), host: host, byName: disks}
	now := map[string]bool{}
	for _, a := range alerts {
		if al, ok := p.truenasAlert(a); ok {
			now[al.NativeID] = true
			if !prev[al.NativeID] {
				e.alert(al)
			}
		}
	}
	for id := range prev {
		if !now[id] {
			e.cleared(id)
		}
	}
	c.mu.Lock()
	c.alerts = now
	c.mu.Unlock()
}

// realtimeEvery bounds how often realtime samples become metric deltas.
const realtimeEvery = 10 * time.Second

// realtimeEvent keeps the latest CPU and memory sample and emits it as
// metrics at most every realtimeEvery.
func (c *conn) realtimeEvent(e *emit, host string, ev tnrpc.Event) {
	var f struct {
		CPU map[string]struct {
			Usage *float64 `json:"usage"`
		} `json:"cpu"`
		Memory struct {
			Total int64 `json:"physical_memory_total"`
			Avail int64 `json:"physical_memory_available"`
		} `json:"memory"`
	}
	if json.Unmarshal(ev.Fields, &f) != nil {
		return
	}
	now := c.opts.Now()
	c.mu.Lock()
	if u := f.CPU["cpu"].Usage; u != nil {
		c.rt.cpuRatio = *u / 100
	}
	if f.Memory.Total > 0 {
		c.rt.memTotal, c.rt.memUsed = f.Memory.Total, f.Memory.Total-f.Memory.Avail
	}
	c.rt.at = now
	due := now.Sub(c.rt.emitted) >= realtimeEvery
	if due {
		c.rt.emitted = now
	}
	rt := c.rt
	c.mu.Unlock()
	if due {
		rt.metrics(e, host)
	}
}

// metrics emits a sample as the agent's CPU and memory metrics.
func (rt realtime) metrics(e *emit, host string) {
	e.metric(host, "cpu_usage_ratio", rt.cpuRatio, "ratio", rt.at)
	if rt.memTotal > 0 {
		e.metric(host, "memory_used_bytes", float64(rt.memUsed), "bytes", rt.at)
		e.metric(host, "memory_usage_ratio", float64(rt.memUsed)/float64(rt.memTotal), "ratio", rt.at)
	}
}
