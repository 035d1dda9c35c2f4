// Package truenas is the Pulse adapter for TrueNAS (platform id truenas),
// 25.04 and later, over the middleware's JSON-RPC 2.0 WebSocket API.
//
// Each connection block holds one persistent WebSocket (package tnrpc),
// logged in with an API key. A poll issues its reads concurrently over that
// socket: system.info, pool.query, pool.dataset.query (to dataset_depth),
// disk.query, disk.temperatures, app.query, alert.list, replication.query
// and cloudsync.query; snapshots and SMART results are re-read every
// snapshot_interval and re-emitted from memory in between. It projects the
// system into agent, pools and datasets into storage, disks into
// physical-disk and apps into app-container; ZFS snapshots, replication and
// cloud-sync tasks become recovery points; TrueNAS's own alerts and the
// conditions the adapter derives (pool degraded, disk faulted or hot, SMART
// failed, replication failed, app crashed) become alerts. Watch follows
// collection_update events for apps, pools and alerts. Execute starts,
// stops and restarts apps and confirms the state by reading it back.
package truenas

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/tnrpc"
)

// Options tune an Adapter; the zero value is what production uses.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BackoffMin and BackoffMax bound reconnect backoff (default 1s, 30s).
	BackoffMin, BackoffMax time.Duration
	// ConfirmTimeout bounds reading an app's state back after an action
	// (default 60s, or the caller's deadline).
	ConfirmTimeout time.Duration
}

// Adapter serves every truenas connection of the plugin process.
type Adapter struct {
	log  hclog.Logger
	opts Options

	// conns are the configured connections by name.
	conns sdk.Conns[*conn]
}

var (
	_ sdk.Platform = (*Adapter)(nil)
	_ sdk.Executor = (*Adapter)(nil)
	_ sdk.Watcher  = (*Adapter)(nil)
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
	if o.ConfirmTimeout <= 0 {
		o.ConfirmTimeout = 60 * time.Second
	}
	return &Adapter{log: log.Named("truenas"), opts: o}
}

// Declaration returns the fixed declaration.
func (a *Adapter) Declaration() sdk.Declaration { return Declaration }

// Schema returns the connection block schema.
func (a *Adapter) Schema() sdk.Schema { return Schema }

// Configure validates and keeps one connection; it does no network I/O (the
// socket is opened by the first call that needs it).
func (a *Adapter) Configure(_ context.Context, c sdk.Connection) error {
	var cfg config
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	set, err := cfg.settings()
	if err != nil {
		return fmt.Errorf("connection %q: %w", c.Name, err)
	}
	tlsCfg, err := c.TLS.ClientConfig()
	if err != nil {
		return fmt.Errorf("connection %q: %w", c.Name, err)
	}
	log := a.log.With("connection", c.Name)
	cl, err := tnrpc.New(tnrpc.Options{
		URL: set.endpoint, APIKey: set.apiKey, TLS: tlsCfg, AllowInsecure: set.insecure,
		CallTimeout: c.Timeout, BackoffMin: a.opts.BackoffMin, BackoffMax: a.opts.BackoffMax, Log: log,
	})
	if err != nil {
		return fmt.Errorf("%w: connection %q: %v", sdk.ErrInvalidConfig, c.Name, err)
	}
	cn := newConn(c.Name, set, cl, log, a.opts)
	if old, replaced := a.conns.Put(c.Name, cn); replaced {
		old.client.Close()
	}
	return nil
}

func (a *Adapter) conn(name string) (*conn, error) { return a.conns.Get(name) }

// Check logs in, asks the version and tries each sub-API the adapter reads.
func (a *Adapter) Check(ctx context.Context, name string) (sdk.CheckReport, error) {
	c, err := a.conn(name)
	if err != nil {
		return sdk.CheckReport{}, err
	}
	return c.check(ctx), nil
}

// Collect emits one complete snapshot, or an error and nothing the core
// could mistake for one.
func (a *Adapter) Collect(ctx context.Context, name string, out sdk.Emitter) error {
	c, err := a.conn(name)
	if err != nil {
		return err
	}
	return c.collect(ctx, out)
}

// Watch emits deltas from collection_update events until ctx ends.
func (a *Adapter) Watch(ctx context.Context, name string, out sdk.Emitter) error {
	c, err := a.conn(name)
	if err != nil {
		return err
	}
	return c.watch(ctx, out)
}

// Execute starts, stops or restarts an app and reads its state back.
func (a *Adapter) Execute(ctx context.Context, name string, act sdk.Action) (string, error) {
	c, err := a.conn(name)
	if err != nil {
		return "", err
	}
	return c.execute(ctx, act)
}

// Close closes the connection's socket and forgets it.
func (a *Adapter) Close(_ context.Context, name string) error {
	if c, ok := a.conns.Remove(name); ok {
		c.client.Close()
	}
	return nil
}

// Stats returns a connection's traffic counters (tests, benchmarks).
func (a *Adapter) Stats(name string) tnrpc.Stats {
	c, err := a.conn(name)
	if err != nil {
		return tnrpc.Stats{}
	}
	return c.client.Stats()
}
