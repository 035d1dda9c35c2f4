package truenas

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// datasetSelect are the dataset fields read; datasetProps the ZFS
// properties asked for.
var (
	datasetSelect = []any{"id", "type", "pool", "encrypted", "encryption_root", "key_loaded", "mountpoint",
		"used", "available", "quota", "compressratio", "compression"}
	datasetProps   = []any{"used", "available", "quota", "compressratio", "compression", "encryption", "keystatus", "mountpoint"}
	snapshotSelect = []any{"id", "dataset", "snapshot_name", "pool", "properties", "holds"}
)

// datasetFilter limits pool.dataset.query to depth levels below the pool
// root, on the server, so a deep estate costs nothing it does not project.
func datasetFilter(depth int) []any {
	return []any{[]any{"id", "~", fmt.Sprintf(`^[^/]+(/[^/]+){0,%d}$`, depth)}}
}

// inventory is everything one poll read.
type inventory struct {
	info      systemInfo
	hostID    string
	pools     []poolRow
	datasets  []datasetRow
	disks     []diskRow
	temps     map[string]*float64
	apps      []appRow
	alerts    []alertRow
	repls     []replicationRow
	clouds    []cloudSyncRow
	snapshots []snapshotRow
	smart     []smartRow
}

// read issues one poll's calls concurrently over the connection's socket.
func (c *conn) read(ctx context.Context) (*inventory, error) {
	v, err := c.client.ServerVersion(ctx)
	if err != nil {
		return nil, err
	}
	inv := &inventory{}
	calls := []rpcCall{
		{"system.info", nil, &inv.info},
		{"pool.query", nil, &inv.pools},
		{"disk.query", []any{[]any{}, map[string]any{"extra": map[string]any{"pools": true}}}, &inv.disks},
		{"disk.temperatures", []any{[]any{}}, &inv.temps},
		{"app.query", []any{[]any{}, map[string]any{"extra": map[string]any{"retrieve_config": false}}}, &inv.apps},
		{"alert.list", nil, &inv.alerts},
		{"replication.query", nil, &inv.repls},
		{"cloudsync.query", nil, &inv.clouds},
	}
	if c.set.datasetDepth > 0 {
		calls = append(calls, rpcCall{"pool.dataset.query", []any{datasetFilter(c.set.datasetDepth), map[string]any{
			"select": datasetSelect,
			"extra":  map[string]any{"flat": true, "retrieve_children": false, "properties": datasetProps},
		}}, &inv.datasets})
	}
	c.mu.Lock()
	inv.hostID = c.hostID
	slow := c.snapshots == nil || c.opts.Now().Sub(c.slowAt) >= c.set.snapshotInterval
	c.mu.Unlock()
	if inv.hostID == "" {
		calls = append(calls, rpcCall{"system.host_id", nil, &inv.hostID})
	}
	if slow {
		calls = append(calls,
			rpcCall{snapshotMethod(v), []any{[]any{}, map[string]any{"select": snapshotSelect,
				"extra": map[string]any{"properties": []any{"creation", "used", "referenced", "userrefs"}, "holds": true}}}, &inv.snapshots},
			rpcCall{"smart.test.results", nil, &inv.smart})
	}
	if err := c.callAll(ctx, calls); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hostID = inv.hostID
	if slow {
		if inv.snapshots == nil {
			inv.snapshots = []snapshotRow{}
		}
		c.snapshots, c.smart, c.slowAt = inv.snapshots, inv.smart, c.opts.Now()
	} else {
		inv.snapshots, inv.smart = c.snapshots, c.smart
	}
	return inv, nil
}

// collect reads and projects one full snapshot.
func (c *conn) collect(ctx context.Context, out sdk.Emitter) error {
	inv, err := c.read(ctx)
	if err != nil {
		return err
	}
	if inv.hostID == "" {
		return fmt.Errorf("system.host_id answered an empty id")
	}
	p := c.newProjection(inv)
	e := &emit{out: out}
	p.all(e)
	if e.err != nil {
		return e.err
	}
	c.remember(inv, p)
	return nil
}

// remember keeps what Watch needs between polls.
func (c *conn) remember(inv *inventory, p *projection) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alerts = map[string]bool{}
	for _, a := range inv.alerts {
		if !a.Dismissed {
			c.alerts[truenasAlertID(a.UUID)] = true
		}
	}
	c.pools = map[string]bool{}
	for _, pl := range inv.pools {
		c.pools[pl.Name] = true
	}
	c.disks = p.byName
}

// appAlerts tracks which apps stopped unexpectedly; call with c.mu unlocked.
func (c *conn) observeApp(a appRow) (unexpected bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch a.State {
	case "RUNNING", "DEPLOYING":
		c.appRunning[a.Name] = true
		delete(c.unexpected, a.Name)
		delete(c.stopping, a.Name)
	case "STOPPED":
		if c.appRunning[a.Name] && !c.stopping[a.Name] {
			c.unexpected[a.Name] = true
		}
		c.appRunning[a.Name] = false
	}
	return c.unexpected[a.Name]
}

// datasetDepth is how many levels below its pool root a dataset is.
func datasetDepth(id string) int { return strings.Count(id, "/") }
