package pluginhost

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Sink is where validated records go: the unified store (*store.Store).
type Sink interface {
	ApplySnapshot(ctx context.Context, src resource.SourceRef, snap resource.Snapshot, at time.Time) (store.ApplyStats, error)
	ApplyDelta(ctx context.Context, src resource.SourceRef, d resource.Delta, at time.Time) (store.ApplyStats, error)
	MarkStale(ctx context.Context, src resource.SourceRef, reason string, at time.Time) error
	// TypeOf reports the type of a resource src delivered before (a delta
	// may link to it or report its metrics).
	TypeOf(src resource.SourceRef, nativeID string) (resource.Type, bool)
}

// ConnSpec is one configured connection, as the host needs it.
type ConnSpec struct {
	Platform     string
	Name         string
	Enabled      bool
	PollInterval time.Duration
	Timeout      time.Duration
	// Build decodes the connection block against the plugin's schema.
	Build func(sdk.Schema) (sdk.Connection, error)
	// Fingerprint identifies the connection block's whole content
	// (secrets included, hashed); Reload keeps a connection polling when
	// its fingerprint and the fields above are unchanged, and reconfigures
	// it otherwise. Empty means "unknown": always reconfigured.
	Fingerprint string
}

// Options tune the host; zero values take the defaults.
type Options struct {
	// Dirs are the plugin search directories (see SearchDirs).
	Dirs []string
	// BackoffMin and BackoffMax bound restart backoff (default 1s and 30s).
	BackoffMin, BackoffMax time.Duration
	// HungAfter restarts a plugin after this many consecutive poll timeouts
	// on one connection (default 3).
	HungAfter int
	// RemovedRetention is how long the records of a connection removed
	// from the configuration stay (stale, with the reason) before they are
	// deleted (default 24h).
	RemovedRetention time.Duration
}

// Host runs every platform's plugin and polls its connections.
type Host struct {
	log  hclog.Logger
	sink Sink
	opts Options

	mu          sync.RWMutex
	supervisors map[string]*supervisor
	wg          sync.WaitGroup
	ctx         context.Context
	cancel      context.CancelFunc
	// reloadMu serializes Reload and UpgradePlugin.
	reloadMu sync.Mutex
	// launched is the binary each platform's plugin last started from.
	launched map[string]binaryID
	// removed holds the sources of removed connections and when their
	// records are deleted.
	removed map[resource.SourceRef]time.Time
}

// New builds a host; call Start to launch plugins.
func New(log hclog.Logger, sink Sink, opts Options) *Host {
	if opts.BackoffMin == 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax == 0 {
		opts.BackoffMax = 30 * time.Second
	}
	if opts.HungAfter == 0 {
		opts.HungAfter = 3
	}
	if opts.RemovedRetention == 0 {
		opts.RemovedRetention = 24 * time.Hour
	}
	return &Host{log: log.Named("pluginhost"), sink: sink, opts: opts, supervisors: map[string]*supervisor{},
		launched: map[string]binaryID{}, removed: map[resource.SourceRef]time.Time{}}
}

// Start launches one supervised plugin per platform that has at least one
// enabled connection, and returns at once. Records of sources no connection
// names any more are marked stale and deleted after RemovedRetention.
func (h *Host) Start(ctx context.Context, conns []ConnSpec) {
	ctx, h.cancel = context.WithCancel(ctx)
	h.ctx = ctx
	found := h.discover()
	byPlatform := groupByPlatform(conns)
	h.mu.Lock()
	for id, cs := range byPlatform {
		h.startSupervisorLocked(id, found[id].Path, cs)
	}
	h.mu.Unlock()
	h.retireOrphans(conns)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.janitor(ctx)
	}()
}

func (h *Host) discover() map[string]Found {
	found := map[string]Found{}
	for _, f := range Discover(h.opts.Dirs) {
		found[f.Platform] = f
	}
	return found
}

func groupByPlatform(conns []ConnSpec) map[string][]ConnSpec {
	byPlatform := map[string][]ConnSpec{}
	for _, c := range conns {
		byPlatform[c.Platform] = append(byPlatform[c.Platform], c)
	}
	return byPlatform
}

// startSupervisorLocked creates platform id's supervisor and, when it has
// an enabled connection and a binary, runs it (h.mu held).
func (h *Host) startSupervisorLocked(id, path string, cs []ConnSpec) *supervisor {
	s := newSupervisor(h, id, path, cs)
	h.supervisors[id] = s
	if !anyEnabled(cs) {
		s.setState(PluginStopped, "no enabled connection")
		close(s.done)
		return s
	}
	if path == "" {
		s.setState(PluginMissing, fmt.Sprintf("no %s%s binary in %v", BinaryPrefix, id, h.opts.Dirs))
		h.log.Error("plugin not found", "platform", id, "searched", h.opts.Dirs)
		close(s.done)
		return s
	}
	ctx, cancel := context.WithCancel(h.ctx)
	s.cancel = cancel
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		s.run(ctx)
	}()
	return s
}

// Stop closes every connection, kills every plugin and waits.
func (h *Host) Stop() {
	if h.cancel != nil {
		h.cancel()
	}
	h.wg.Wait()
}

// Connections returns the status of every connection, sorted.
func (h *Host) Connections() []ConnStatus {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []ConnStatus
	for _, s := range h.supervisors {
		out = append(out, s.connStatuses()...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Platform != out[j].Platform {
			return out[i].Platform < out[j].Platform
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Plugins returns the status of every supervised plugin, sorted.
func (h *Host) Plugins() []PluginStatus {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []PluginStatus
	for _, s := range h.supervisors {
		out = append(out, s.status())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Platform < out[j].Platform })
	return out
}
