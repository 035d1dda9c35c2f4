// Package pbs is the Pulse adapter for Proxmox Backup Server (platform id
// proxmox-pbs). It reads the server through its REST API with an API token
// (PBSAPIToken) or a ticket login, projecting the server into a pbs
// resource and each datastore into storage, every backup snapshot of every
// (nested) namespace into a recovery point, and failed verifications, jobs
// and tasks, datastore usage and overdue schedules into alerts.
//
// Snapshot lists are read group first: a group's snapshots are listed again
// only when its snapshot count or last backup time changed, when a verify
// job of its datastore finished, or when the refresh interval elapsed, so a
// steady-state cycle costs no snapshot listing for unchanged groups.
package pbs

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Options tune an Adapter; the zero value is what production uses.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SlowEvery bounds the age of the slow-cadence data (version,
	// subscription, identity, datastore list, namespaces): default 5 min.
	SlowEvery time.Duration
	// SlowCycles refreshes the slow data at least every this many cycles:
	// default 10.
	SlowCycles int
	// Workers bounds concurrent snapshot listings: default 4.
	Workers int
}

// Adapter serves every proxmox-pbs connection of the plugin process.
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
	return &Adapter{log: log.Named("proxmox-pbs"), opts: o}
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
	o := pxclient.Options{Product: "PBS", Endpoints: cfg.urls, TLS: tlsCfg, Timeout: c.Timeout, Now: a.opts.Now, Log: log,
		UserAgent: "pulse-proxmox-pbs/" + Version, Username: cfg.Username, Password: cfg.Password}
	if cfg.TokenID != "" {
		o.Token, o.TokenID = pxclient.PBSToken(cfg.TokenID, cfg.TokenSecret), cfg.TokenID
	}
	cn := newConn(c.Name, cfg, pxclient.New(o), a.opts, log)
	if old, replaced := a.conns.Put(c.Name, cn); replaced {
		old.client.Close()
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

// Collect emits one complete snapshot of the server, or an error and
// nothing the core could mistake for a complete snapshot.
func (a *Adapter) Collect(ctx context.Context, name string, out sdk.Emitter) error {
	c, err := a.conn(name)
	if err != nil {
		return err
	}
	return c.collect(ctx, out)
}

// Execute refuses every action: assistant control of proxmox-pbs is
// classified read-only.
func (a *Adapter) Execute(_ context.Context, _ string, act sdk.Action) (string, error) {
	return "", fmt.Errorf("%w: %q on %q: control of proxmox-pbs is classified read-only in the platform support model; Pulse reads the backup server and never changes it (no prune, verify, GC or restore)",
		sdk.ErrActionRefused, act.Name, act.Target)
}

// Close forgets a connection. PBS has no logout: tickets expire.
func (a *Adapter) Close(_ context.Context, name string) error {
	if c, ok := a.conns.Remove(name); ok {
		c.client.Close()
	}
	return nil
}

// Traffic returns how many HTTP requests a connection has sent and how many
// response bytes it has read (for tests and benchmarks).
func (a *Adapter) Traffic(name string) (requests, bytes int64) {
	c, err := a.conn(name)
	if err != nil {
		return 0, 0
	}
	return c.client.Requests(), c.client.Bytes()
}
