package truenas

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/truenas/tnrpc"
)

// methodRoles names the TrueNAS role each method the adapter calls needs,
// so a refused call can say which one the key's user lacks. READONLY_ADMIN
// includes every *_READ role.
var methodRoles = map[string]string{
	"pool.query": "POOL_READ", "pool.dataset.query": "DATASET_READ",
	"disk.query": "DISK_READ", "disk.temperatures": "DISK_READ", "smart.test.results": "DISK_READ",
	"zfs.snapshot.query": "SNAPSHOT_READ", "pool.snapshot.query": "SNAPSHOT_READ",
	"replication.query": "REPLICATION_TASK_READ", "cloudsync.query": "CLOUD_SYNC_READ",
	"alert.list": "ALERT_LIST_READ", "app.query": "APPS_READ",
	"app.start": "APPS_WRITE", "app.stop": "APPS_WRITE", "app.restart": "APPS_WRITE",
}

// conn is one configured connection.
type conn struct {
	name   string
	log    hclog.Logger
	set    settings
	client *tnrpc.Client
	opts   Options

	mu        sync.Mutex
	hostID    string
	slowAt    time.Time
	snapshots []snapshotRow
	smart     []smartRow
	// appRunning remembers which apps were last seen running; unexpected
	// holds apps that stopped without a stop requested through Execute.
	appRunning map[string]bool
	unexpected map[string]bool
	stopping   map[string]bool
	// alerts are TrueNAS alert native ids last emitted as active.
	alerts map[string]bool
	// pools and disks are the pools and disks of the last poll, for the
	// alerts Watch maps to them.
	pools map[string]bool
	disks map[string]diskRow
	// rt is the last reporting.realtime sample (CPU and memory in use).
	rt realtime
}

// realtime is one reporting.realtime sample.
type realtime struct {
	cpuRatio          float64
	memUsed, memTotal int64
	at, emitted       time.Time
}

func newConn(name string, set settings, cl *tnrpc.Client, log hclog.Logger, o Options) *conn {
	return &conn{name: name, set: set, client: cl, log: log, opts: o,
		appRunning: map[string]bool{}, unexpected: map[string]bool{}, stopping: map[string]bool{},
		alerts: map[string]bool{}, pools: map[string]bool{}, disks: map[string]diskRow{}}
}

// rpcCall is one call of a concurrent batch.
type rpcCall struct {
	method string
	params []any
	out    any
}

// callAll issues calls concurrently over the one socket and returns every
// failure, each naming the role a refused call needs.
func (c *conn) callAll(ctx context.Context, calls []rpcCall) error {
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, k := range calls {
		wg.Go(func() { errs[i] = explain(c.client.Call(ctx, k.method, k.params, k.out), k.method) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// explain adds the missing role to an access-denied error.
func explain(err error, method string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, tnrpc.ErrAccessDenied) {
		if role := methodRoles[method]; role != "" {
			return fmt.Errorf("%w (the API key's user needs the %s role, or READONLY_ADMIN for every read)", err, role)
		}
	}
	return err
}

// snapshotMethod is the snapshot query of the server's version: 25.10
// renamed zfs.snapshot.* to pool.snapshot.*.
func snapshotMethod(v tnrpc.Version) string {
	if v.AtLeast(25, 10) {
		return "pool.snapshot.query"
	}
	return "zfs.snapshot.query"
}
