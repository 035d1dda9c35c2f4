// Package pve is the Pulse adapter for Proxmox VE clusters (platform id
// proxmox-pve). It polls a cluster through any of its members with an API
// token or a ticket login, reading /cluster/resources, /cluster/status and,
// where Ceph exists, /cluster/ceph/status on every cycle, and node status,
// disks, storage status, backup listings, tasks, Ceph pools and guest
// snapshots on a slower cadence. It projects nodes into agent, qemu guests
// into vm, lxc guests into system-container, storages into storage, Ceph into
// ceph and node disks into physical-disk, with vzdump backups and snapshots
// as recovery points and platform health as alerts.
package pve

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Options tune an Adapter; the zero value is what production uses.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SlowEvery bounds the age of the slow-cadence data (disks, SMART,
	// backups, snapshots, tasks, node versions): default 5 minutes.
	SlowEvery time.Duration
	// SlowCycles refreshes the slow data at least every this many cycles:
	// default 10.
	SlowCycles int
	// Workers bounds concurrent requests in the slow pass: default 4.
	Workers int
}

// Adapter serves every proxmox-pve connection of the plugin process.
type Adapter struct {
	log  hclog.Logger
	opts Options

	// conns are the configured connections by name.
	conns sdk.Conns[*conn]
}

var (
	_ sdk.Platform = (*Adapter)(nil)
	_ sdk.Executor = (*Adapter)(nil)
	_ sdk.Closer   = (*Adapter)(nil)
)

// New builds the adapter; it is the factory sdk.Serve calls.
func New(log hclog.Logger) sdk.Platform { return NewWithOptions(log, Options{}) }

// NewWithOptions builds an adapter with explicit options (tests, benchmarks).
func NewWithOptions(log hclog.Logger, o Options) *Adapter {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SlowEvery <= 0 {
		o.SlowEvery = 5 * time.Minute
	}
	if o.SlowCycles <= 0 {
		o.SlowCycles = 10
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	return &Adapter{log: log.Named("proxmox-pve"), opts: o}
}

// Declaration returns the fixed declaration.
func (a *Adapter) Declaration() sdk.Declaration { return Declaration }

// Schema returns the connection block schema.
func (a *Adapter) Schema() sdk.Schema { return Schema }

// Configure validates and keeps one connection; it does no network I/O.
func (a *Adapter) Configure(_ context.Context, c sdk.Connection) error {
	var cfg config
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("connection %q: %w", c.Name, err)
	}
	tlsCfg, err := c.TLS.ClientConfig()
	if err != nil {
		return fmt.Errorf("connection %q: %w", c.Name, err)
	}
	log := a.log.With("connection", c.Name)
	cn := &conn{name: c.Name, log: log, opts: a.opts,
		client: newClient(cfg, tlsCfg, c.Timeout, a.opts.Now, log)}
	if old, replaced := a.conns.Put(c.Name, cn); replaced {
		old.client.close()
	}
	return nil
}

func (a *Adapter) conn(name string) (*conn, error) { return a.conns.Get(name) }

// Check tests the connection for real, one sub-check per API it needs.
func (a *Adapter) Check(ctx context.Context, name string) (sdk.CheckReport, error) {
	c, err := a.conn(name)
	if err != nil {
		return sdk.CheckReport{}, err
	}
	return c.check(ctx), nil
}

// Collect emits one complete snapshot of the cluster, or an error and
// nothing the core could mistake for a complete snapshot.
func (a *Adapter) Collect(ctx context.Context, name string, out sdk.Emitter) error {
	c, err := a.conn(name)
	if err != nil {
		return err
	}
	return c.collect(ctx, out)
}

// Execute refuses: assistant control of proxmox-pve is augmentation-only.
func (a *Adapter) Execute(_ context.Context, _ string, act sdk.Action) (string, error) {
	return "", fmt.Errorf("%w: %q on %q: control of proxmox-pve is augmentation-only; it runs only through an enrolled pulse-agent on the node, never through the API connection, and this plugin performs no actions",
		sdk.ErrActionRefused, act.Name, act.Target)
}

// Close forgets a connection. PVE has no logout call: tickets simply
// expire; idle connections are closed.
func (a *Adapter) Close(_ context.Context, name string) error {
	if c, ok := a.conns.Remove(name); ok {
		c.client.close()
	}
	return nil
}

// Requests returns how many HTTP requests a connection has sent (for tests
// and benchmarks).
func (a *Adapter) Requests(name string) int64 {
	c, err := a.conn(name)
	if err != nil {
		return 0
	}
	return c.client.requests()
}
