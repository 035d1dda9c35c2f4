package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// supervisor keeps one platform's plugin running and its connections polled.
type supervisor struct {
	h        *Host
	platform string
	path     string
	pollers  []*poller

	mu      sync.Mutex
	st      PluginStatus
	restart chan string
	// cur is the running plugin, nil between processes (control uses it).
	cur *Plugin
}

func newSupervisor(h *Host, platform, path string, specs []ConnSpec) *supervisor {
	s := &supervisor{h: h, platform: platform, path: path, restart: make(chan string, 1)}
	s.st = PluginStatus{Platform: platform, Path: path, State: PluginStopped}
	for _, spec := range specs {
		s.pollers = append(s.pollers, newPoller(s, spec))
		s.st.Connections = append(s.st.Connections, spec.Name)
	}
	return s
}

func (s *supervisor) anyEnabled() bool {
	for _, p := range s.pollers {
		if p.spec.Enabled {
			return true
		}
	}
	return false
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
	st.Problems = append([]string(nil), s.st.Problems...)
	st.Connections = append([]string(nil), s.st.Connections...)
	st.Actions = append([]string(nil), s.st.Actions...)
	return st
}

func (s *supervisor) connStatuses() []ConnStatus {
	out := make([]ConnStatus, 0, len(s.pollers))
	for _, p := range s.pollers {
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
	for _, p := range s.pollers {
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
	log := s.h.log.With("platform", s.platform)
	backoff := s.h.opts.BackoffMin
	for ctx.Err() == nil {
		p, err := Launch(ctx, s.path, s.h.log.Named(s.platform))
		if err != nil {
			var le *LaunchError
			if errors.As(err, &le) {
				log.Error("plugin refused", "path", s.path, "reason", le.Reason, "problems", le.Problems)
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
		s.st.State, s.st.LastError, s.st.PID = PluginRunning, "", p.PID
		s.st.Version, s.st.APIVersion, s.st.StartedAt = p.Version(), p.Info.GetApiVersion(), &now
		s.st.StartDurationMS = float64(p.StartDuration.Microseconds()) / 1000
		s.cur = p
		s.st.Actions = append([]string(nil), p.Info.GetDeclaration().GetActions()...)
		s.mu.Unlock()
		log.Info("plugin started", "path", s.path, "pid", p.PID, "version", p.Version(), "start", p.StartDuration)

		reason := s.serve(ctx, p)
		s.mu.Lock()
		s.cur = nil
		s.mu.Unlock()
		p.Kill()
		if ctx.Err() != nil {
			s.setState(PluginStopped, "")
			return
		}
		log.Error("plugin lost; restarting", "reason", reason, "retry_in", backoff)
		s.mu.Lock()
		s.st.Restarts++
		s.st.PID = 0
		s.mu.Unlock()
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
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	// Drain a restart request left over from the previous process.
	select {
	case <-s.restart:
	default:
	}
	for _, c := range s.pollers {
		if !c.spec.Enabled {
			c.setState(StateDisabled, "")
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, p)
		}()
	}
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

// closeAll lets the plugin log out of every connection before it is killed.
func (s *supervisor) closeAll(p *Plugin) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range s.pollers {
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
