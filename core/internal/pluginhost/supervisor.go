package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// supervisor keeps one platform's plugin running and its connections polled.
// Its set of connections can change while it runs (apply): untouched
// pollers keep polling, changed and removed ones stop, new ones start on the
// running plugin.
type supervisor struct {
	h        *Host
	platform string
	cancel   context.CancelFunc // stops run (set by the host)
	done     chan struct{}      // closed when run returns

	mu      sync.Mutex
	path    string
	pollers []*poller
	st      PluginStatus
	restart chan string
	// cur is the plugin serving now, and curCtx the context its pollers
	// run under; nil between processes.
	cur    *Plugin
	curCtx context.Context
	// upgradeTo, when set, is the binary the next launch uses, without
	// backoff (a plugin upgrade).
	upgradeTo string
	// schema is the connection schema of the last plugin started.
	schema sdk.Schema
}

func newSupervisor(h *Host, platform, path string, specs []ConnSpec) *supervisor {
	s := &supervisor{h: h, platform: platform, path: path, restart: make(chan string, 1), done: make(chan struct{})}
	s.st = PluginStatus{Platform: platform, Path: path, State: PluginStopped}
	for _, spec := range specs {
		s.pollers = append(s.pollers, newPoller(s, spec))
		s.st.Connections = append(s.st.Connections, spec.Name)
	}
	return s
}

func anyEnabled(specs []ConnSpec) bool {
	for _, c := range specs {
		if c.Enabled {
			return true
		}
	}
	return false
}

func (s *supervisor) anyEnabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pollers {
		if p.spec.Enabled {
			return true
		}
	}
	return false
}

// snapshotPollers returns the current pollers.
func (s *supervisor) snapshotPollers() []*poller {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*poller(nil), s.pollers...)
}

func (s *supervisor) setState(state, lastErr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.State, s.st.LastError = state, lastErr
	for _, p := range s.pollers {
		switch {
		case !p.spec.Enabled:
			p.setState(StateDisabled, "")
		case state == PluginMissing || state == PluginRefused:
			p.setState(StateNoPlugin, lastErr)
		}
	}
}

func (s *supervisor) status() PluginStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.Path = s.path
	st.Problems = append([]string(nil), s.st.Problems...)
	st.Connections = append([]string(nil), s.st.Connections...)
	st.Actions = append([]string(nil), s.st.Actions...)
	return st
}

func (s *supervisor) connStatuses() []ConnStatus {
	ps := s.snapshotPollers()
	out := make([]ConnStatus, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.status())
	}
	return out
}

// requestRestart asks run to kill and restart the plugin (it is hung).
func (s *supervisor) requestRestart(reason string) {
	select {
	case s.restart <- reason:
	default:
	}
}

// markAllStale marks every enabled connection's records stale.
func (s *supervisor) markAllStale(reason string) {
	for _, p := range s.snapshotPollers() {
		if p.spec.Enabled {
			p.failed(reason)
			if err := s.h.sink.MarkStale(context.Background(), p.src, reason, time.Now()); err != nil {
				s.h.log.Error("mark stale", "connection", p.spec.Name, "error", err)
			}
		}
	}
}

// run launches the plugin and restarts it with capped exponential backoff
// until ctx ends. A plugin refused by governance is not restarted: only a
// different binary can fix it.
func (s *supervisor) run(ctx context.Context) {
	defer close(s.done)
	log := s.h.log.With("platform", s.platform)
	backoff := s.h.opts.BackoffMin
	for ctx.Err() == nil {
		s.mu.Lock()
		if s.upgradeTo != "" {
			s.path, s.upgradeTo = s.upgradeTo, ""
		}
		path := s.path
		s.mu.Unlock()
		p, err := Launch(ctx, path, s.h.log.Named(s.platform))
		if err != nil {
			var le *LaunchError
			if errors.As(err, &le) {
				log.Error("plugin refused", "path", path, "reason", le.Reason, "problems", le.Problems)
				s.mu.Lock()
				s.st.Problems = le.Problems
				s.mu.Unlock()
				s.markAllStale("plugin refused: " + le.Reason)
				s.setState(PluginRefused, le.Reason)
				return
			}
			log.Error("plugin failed to start", "error", err, "retry_in", backoff)
			s.markAllStale("plugin failed to start: " + err.Error())
			s.setState(PluginRestarting, err.Error())
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, s.h.opts.BackoffMax)
			continue
		}
		now := time.Now()
		s.mu.Lock()
		s.st.State, s.st.LastError, s.st.PID, s.st.Problems = PluginRunning, "", p.PID, nil
		s.st.Version, s.st.APIVersion, s.st.StartedAt = p.Version(), p.Info.GetApiVersion(), &now
		s.st.StartDurationMS = float64(p.StartDuration.Microseconds()) / 1000
		s.st.Actions = append([]string(nil), p.Info.GetDeclaration().GetActions()...)
		s.schema = p.Schema
		s.mu.Unlock()
		s.h.noteLaunched(s.platform, p)
		log.Info("plugin started", "path", path, "pid", p.PID, "version", p.Version(), "start", p.StartDuration)

		reason := s.serve(ctx, p)
		p.Kill()
		if ctx.Err() != nil {
			s.setState(PluginStopped, "")
			return
		}
		s.mu.Lock()
		upgrading := s.upgradeTo != ""
		s.st.PID = 0
		if !upgrading {
			s.st.Restarts++
		}
		s.mu.Unlock()
		if upgrading {
			// The old process is gone; the last data stays, stale with
			// the reason, until the new plugin's first polls.
			log.Info("plugin upgrade: starting the new binary", "reason", reason)
			s.setState(PluginRestarting, reason)
			s.markAllStale(reason)
			backoff = s.h.opts.BackoffMin
			continue
		}
		log.Error("plugin lost; restarting", "reason", reason, "retry_in", backoff)
		s.setState(PluginRestarting, reason)
		s.markAllStale(reason)
		if time.Since(now) > 2*time.Minute {
			backoff = s.h.opts.BackoffMin // it ran stably; start the backoff over
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, s.h.opts.BackoffMax)
	}
}

// serve configures the connections and polls them until the plugin exits,
// hangs, or ctx ends; it returns why it stopped.
func (s *supervisor) serve(ctx context.Context, p *Plugin) string {
	ctx, cancel := context.WithCancel(ctx)
	// Drain a restart request left over from the previous process.
	select {
	case <-s.restart:
	default:
	}
	s.mu.Lock()
	s.cur, s.curCtx = p, ctx
	for _, c := range s.pollers {
		s.startLocked(c)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cur, s.curCtx = nil, nil
		ps := append([]*poller(nil), s.pollers...)
		s.mu.Unlock()
		cancel()
		for _, c := range ps {
			c.wait()
		}
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.closeAll(p)
			return "core shutting down"
		case reason := <-s.restart:
			return reason
		case <-tick.C:
			if p.Exited() {
				return fmt.Sprintf("plugin process %d exited unexpectedly", p.PID)
			}
		}
	}
}

// startLocked starts poller c on the current plugin, if one serves and c is
// enabled (s.mu held).
func (s *supervisor) startLocked(c *poller) {
	if !c.spec.Enabled {
		c.setState(StateDisabled, "")
		return
	}
	if s.cur == nil {
		return // the next process starts it
	}
	c.start(s.curCtx, s.cur)
}

// closeAll lets the plugin log out of every connection before it is killed.
func (s *supervisor) closeAll(p *Plugin) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range s.snapshotPollers() {
		if c.spec.Enabled {
			if err := p.RPC.Close(ctx, c.spec.Name); err != nil {
				s.h.log.Warn("close connection", "connection", c.spec.Name, "error", err)
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
