// Package vsphere is the vmware-vsphere platform adapter: it reads a vCenter
// Server through govmomi (SOAP: PropertyCollector over a ContainerView,
// WaitForUpdatesEx, PerformanceManager, alarms, event and task history) and
// projects ESXi hosts as canonical agent resources, VMs as vm and datastores
// as storage, with datacenter, cluster, host, resource pool and folder kept as
// topology. It implements the seed's phase-1 floor only: vCenter is the sole
// entry point (direct ESXi is refused), control is read-only (Execute
// refuses everything), and nothing is projected as recovery, physical-disk
// or container resources. The platform is admitted at first-lab-ready, not
// supported.
package vsphere

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Adapter serves every vmware-vsphere connection of the plugin process.
type Adapter struct {
	log   hclog.Logger
	now   func() time.Time
	mu    sync.Mutex
	conns map[string]*conn
}

var (
	_ sdk.Platform = (*Adapter)(nil)
	_ sdk.Watcher  = (*Adapter)(nil)
	_ sdk.Executor = (*Adapter)(nil)
	_ sdk.Closer   = (*Adapter)(nil)
)

// New builds the adapter; it is the factory sdk.Serve calls.
func New(log hclog.Logger) sdk.Platform {
	return &Adapter{log: log.Named("vmware-vsphere"), now: time.Now, conns: map[string]*conn{}}
}

// Declaration returns the fixed declaration.
func (a *Adapter) Declaration() sdk.Declaration { return Declaration }

// Schema returns the connection block schema.
func (a *Adapter) Schema() sdk.Schema { return Schema }

// Configure validates and stores a connection; it does no network I/O. The
// same configuration again keeps the existing session; a changed one
// replaces the connection and logs the old session out in the background.
func (a *Adapter) Configure(ctx context.Context, c sdk.Connection) error {
	var cfg config
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	if err := cfg.validate(c.Name); err != nil {
		return err
	}
	tlsCfg, err := c.TLS.ClientConfig()
	if err != nil {
		return err
	}
	tlsCfg.ServerName = cfg.url.Hostname()
	key := fmt.Sprintf("%s|%x|%t|%s|%s", c.Config, c.TLS.CAPEM, c.TLS.InsecureSkipVerify, c.TLS.Fingerprint, c.Timeout)
	cn := &conn{name: c.Name, key: key, log: a.log.With("connection", c.Name), cfg: cfg, tls: tlsCfg, timeout: c.Timeout}
	a.mu.Lock()
	old := a.conns[c.Name]
	if old != nil && old.key == key {
		a.mu.Unlock()
		return nil
	}
	a.conns[c.Name] = cn
	a.mu.Unlock()
	if old != nil {
		go func() {
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := old.logout(lctx); err != nil {
				old.log.Warn("logout of replaced connection failed", "error", err)
			}
		}()
	}
	return nil
}

// conn returns a configured connection.
func (a *Adapter) conn(name string) (*conn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cn, ok := a.conns[name]
	if !ok {
		return nil, errUnknown(name)
	}
	return cn, nil
}

// Collect emits one full snapshot: hosts, datastores, VMs, their
// relationships, alarm/health/event/task alerts and one realtime metrics
// sample, from one inventory read.
func (a *Adapter) Collect(ctx context.Context, name string, out sdk.Emitter) error {
	cn, err := a.conn(name)
	if err != nil {
		return err
	}
	var inv *inventory
	var names map[types.ManagedObjectReference]string
	var cats map[string]string
	var sess *state
	err = cn.do(ctx, func(ctx context.Context, st *state) error {
		sess = st
		var err error
		if inv, err = cn.retrieve(ctx, st); err != nil {
			return err
		}
		if names, err = cn.alarmNames(ctx, st, inv); err != nil {
			return err
		}
		st.mu.Lock()
		cats = st.eventCat
		st.mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("collect %s: %w", name, err)
	}
	// The metrics gather runs while the inventory streams out.
	type perfResult struct {
		metrics []sdk.Metric
		err     error
	}
	var perf chan perfResult
	if cn.perfDue(a.now()) {
		perf = make(chan perfResult, 1)
		go func() {
			var r perfResult
			r.err = cn.do(ctx, func(ctx context.Context, st *state) error {
				var err error
				r.metrics, err = cn.gatherPerf(ctx, st, inv)
				return err
			})
			perf <- r
		}()
	}
	err = emitInventory(inv, names, out)
	for _, m := range inventoryMetrics(inv) {
		if err != nil {
			break
		}
		err = out.Metric(m)
	}
	if err == nil {
		for _, al := range historyAlerts(inv, cats, a.now()) {
			if err = out.Alert(al); err != nil {
				break
			}
		}
	}
	if perf != nil {
		r := <-perf
		switch {
		case r.err != nil:
			// The snapshot is complete without metrics; they are best effort.
			cn.log.Warn("realtime performance gather failed", "error", r.err)
		case err == nil:
			for _, m := range r.metrics {
				if err = out.Metric(m); err != nil {
					break
				}
			}
		}
	}
	if err == nil && sess != nil {
		sess.keepHandoff(inv, time.Now()) // wall time, as the watch compares it
	}
	return err
}

// emitInventory emits every projected resource, relationship and
// alarm/health alert of inv in a deterministic order.
func emitInventory(inv *inventory, names map[types.ManagedObjectReference]string, out sdk.Emitter) error {
	for _, r := range sortedRefs(inv.hosts) {
		if err := out.Resource(inv.hostResource(r)); err != nil {
			return err
		}
	}
	for _, r := range sortedRefs(inv.datastores) {
		if err := out.Resource(inv.datastoreResource(r)); err != nil {
			return err
		}
	}
	for _, r := range sortedRefs(inv.vms) {
		res, rels := inv.vmResource(r)
		if err := out.Resource(res); err != nil {
			return err
		}
		for _, rel := range rels {
			if err := out.Relationship(rel); err != nil {
				return err
			}
		}
	}
	var err error
	inv.eachEntity(func(ref types.ManagedObjectReference, e *mo.ManagedEntity) {
		for _, al := range entityAlerts(ref, e, names) {
			if err == nil {
				err = out.Alert(al)
			}
		}
	})
	return err
}

// Execute refuses every action: assistant control is read-only in phase 1.
func (a *Adapter) Execute(_ context.Context, name string, act sdk.Action) (string, error) {
	if _, err := a.conn(name); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%w: vmware-vsphere control is read-only in phase 1; %q on %q is not performed (VM power, snapshot and guest operations are excluded)",
		sdk.ErrActionRefused, act.Name, act.Target)
}

// Close logs the connection's session out and forgets the connection.
func (a *Adapter) Close(ctx context.Context, name string) error {
	a.mu.Lock()
	cn, ok := a.conns[name]
	delete(a.conns, name)
	a.mu.Unlock()
	if !ok {
		return nil
	}
	return cn.logout(ctx)
}
