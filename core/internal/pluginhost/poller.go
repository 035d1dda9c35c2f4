package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// maxRejectionsShown bounds the rejection reasons kept per connection.
const maxRejectionsShown = 10

// poller polls one connection.
type poller struct {
	s    *supervisor
	spec ConnSpec
	src  resource.SourceRef

	mu       sync.Mutex
	st       ConnStatus
	seen     map[string]bool // rejection reasons already logged
	timeouts int

	runMu  sync.Mutex
	cancel context.CancelFunc // stops the running run
	done   chan struct{}      // closed when it returned
}

// start runs the poller on plugin p under parent until stop or parent
// ends; it does nothing while a run is still going.
func (c *poller) start(parent context.Context, p *Plugin) {
	c.runMu.Lock()
	defer c.runMu.Unlock()
	if c.done != nil {
		select {
		case <-c.done:
		default:
			return // running
		}
	}
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	c.cancel, c.done = cancel, done
	go func() {
		defer close(done)
		defer cancel()
		c.run(ctx, p)
	}()
}

// stop ends the running run, if any, and waits for it.
func (c *poller) stop() {
	c.runMu.Lock()
	cancel := c.cancel
	c.runMu.Unlock()
	if cancel != nil {
		cancel()
	}
	c.wait()
}

// wait waits for the running run, if any, to return.
func (c *poller) wait() {
	c.runMu.Lock()
	done := c.done
	c.runMu.Unlock()
	if done != nil {
		<-done
	}
}

func newPoller(s *supervisor, spec ConnSpec) *poller {
	return &poller{
		s: s, spec: spec,
		src:  resource.SourceRef{Platform: spec.Platform, Connection: spec.Name},
		st:   ConnStatus{Platform: spec.Platform, Name: spec.Name, State: StateStarting, PollInterval: spec.PollInterval.String()},
		seen: map[string]bool{},
	}
}

func (c *poller) status() ConnStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	st.LastRejections = append([]string(nil), c.st.LastRejections...)
	return st
}

func (c *poller) setState(state, lastErr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.State, c.st.LastError = state, lastErr
}

func (c *poller) failed(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.State, c.st.LastError = StateError, reason
}

// run configures the connection on plugin p, checks it once, then polls on
// the interval (and watches, when the plugin can) until ctx ends.
func (c *poller) run(ctx context.Context, p *Plugin) {
	log := c.s.h.log.With("platform", c.spec.Platform, "connection", c.spec.Name)
	if err := c.configure(ctx, p); err != nil {
		log.Error("configure connection", "error", err)
		c.failed("configure: " + err.Error())
		_ = c.s.h.sink.MarkStale(ctx, c.src, "configure failed: "+err.Error(), time.Now())
		return
	}
	c.check(ctx, p)
	watching := false
	var watchers sync.WaitGroup
	defer watchers.Wait() // no delta may reach the store after run returns
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok := c.poll(ctx, p)
		if ok && !watching && p.Info.GetDeclaration().GetWatch() {
			watching = true
			watchers.Add(1)
			go func() {
				defer watchers.Done()
				c.watch(ctx, p)
			}()
		}
		t.Reset(c.spec.PollInterval)
	}
}

func (c *poller) configure(ctx context.Context, p *Plugin) error {
	return p.Configure(ctx, c.spec.Build, c.spec.Timeout)
}

func (c *poller) check(ctx context.Context, p *Plugin) {
	rep := p.Check(ctx, c.spec.Name, c.spec.Timeout)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Check = &rep
}

// poll runs one Collect; it reports whether it succeeded.
func (c *poller) poll(ctx context.Context, p *Plugin) bool {
	log := c.s.h.log.With("platform", c.spec.Platform, "connection", c.spec.Name)
	start := time.Now()
	snap, rejected, err := p.Collect(ctx, c.spec.Name, c.spec.Timeout, start)
	if errors.Is(err, sdk.ErrUnknownConnection) && ctx.Err() == nil {
		// The plugin lost its configuration: configure again and retry once.
		if cerr := c.configure(ctx, p); cerr == nil {
			snap, rejected, err = p.Collect(ctx, c.spec.Name, c.spec.Timeout, start)
		}
	}
	var stats store.ApplyStats
	if err == nil {
		stats, err = c.s.h.sink.ApplySnapshot(ctx, c.src, snap, start)
		if err != nil {
			err = fmt.Errorf("store: %w", err)
		}
	}
	if ctx.Err() != nil {
		return false // shutting down or restarting: not a poll failure
	}
	dur := time.Since(start)
	c.mu.Lock()
	c.st.Polls++
	c.st.LastPoll = &start
	c.st.LastDurationMS = float64(dur.Microseconds()) / 1000
	if err != nil {
		c.st.Failures++
		c.st.State = StateError
		if errors.Is(err, context.DeadlineExceeded) {
			c.timeouts++
			err = fmt.Errorf("poll timed out after %s (%d in a row)", c.spec.Timeout, c.timeouts)
		} else {
			c.timeouts = 0
		}
		c.st.LastError = err.Error()
	} else {
		c.timeouts = 0
		c.st.State, c.st.LastError = StateOK, ""
		c.st.LastSuccess = &start
		c.st.Resources = len(snap.Resources)
		c.st.Rejected += uint64(len(rejected))
		for _, r := range rejected {
			msg := r.String()
			if !c.seen[r.Kind+"|"+r.Reason] {
				c.seen[r.Kind+"|"+r.Reason] = true
				log.Warn("record rejected", "kind", r.Kind, "native_id", r.NativeID, "reason", r.Reason)
			}
			c.st.LastRejections = append(c.st.LastRejections, msg)
		}
		if n := len(c.st.LastRejections); n > maxRejectionsShown {
			c.st.LastRejections = c.st.LastRejections[n-maxRejectionsShown:]
		}
	}
	timeouts := c.timeouts
	c.mu.Unlock()

	if err != nil {
		log.Warn("poll failed", "error", err, "duration", dur)
		if serr := c.s.h.sink.MarkStale(ctx, c.src, "poll failed: "+err.Error(), start); serr != nil {
			log.Error("mark stale", "error", serr)
		}
		if timeouts >= c.s.h.opts.HungAfter {
			c.s.requestRestart(fmt.Sprintf("plugin hung: %d consecutive polls of %s timed out", timeouts, c.spec.Name))
		}
		return false
	}
	log.Debug("poll ok", "resources", len(snap.Resources), "rejected", len(rejected), "duration", dur,
		"upserted", stats.Upserted, "unchanged", stats.Unchanged, "removed", stats.Removed)
	return true
}

// watch applies the plugin's incremental deltas until ctx ends, retrying
// with backoff when the stream breaks.
func (c *poller) watch(ctx context.Context, p *Plugin) {
	log := c.s.h.log.With("platform", c.spec.Platform, "connection", c.spec.Name)
	backoff := time.Second
	for ctx.Err() == nil {
		c.mu.Lock()
		c.st.Watching = true
		c.mu.Unlock()
		err := p.RPC.Watch(ctx, c.spec.Name, func(b *pb.Batch) error {
			now := time.Now()
			asm := ingest.NewAssembler(p.Rule, now)
			if err := asm.Add(b); err != nil {
				return err
			}
			d, rejected := asm.Delta(func(id string) (resource.Type, bool) { return c.s.h.sink.TypeOf(c.src, id) })
			if len(rejected) > 0 {
				c.mu.Lock()
				c.st.Rejected += uint64(len(rejected))
				c.mu.Unlock()
			}
			_, err := c.s.h.sink.ApplyDelta(ctx, c.src, d, now)
			return err
		})
		c.mu.Lock()
		c.st.Watching = false
		c.mu.Unlock()
		if ctx.Err() != nil || errors.Is(err, sdk.ErrNotImplemented) {
			return
		}
		log.Warn("watch ended; polling continues", "error", err, "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}
