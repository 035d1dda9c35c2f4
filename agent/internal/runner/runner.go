// Package runner is the agent service loop: a full report on start and
// every 24 hours, a signed metrics report every interval, spooled full
// reports drained first, capped exponential backoff with jitter while the
// core is down or slow, and sd_notify READY and watchdog pings under
// systemd. Memory does not grow with an outage: the loop holds one report
// at a time and the spool on disk is bounded.
package runner

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/agent/internal/client"
	"github.com/pulsehost/pulse/agent/internal/collect"
	"github.com/pulsehost/pulse/agent/internal/service"
	"github.com/pulsehost/pulse/core/agentwire"
)

// Config is what the loop needs.
type Config struct {
	Reporter  *client.Reporter
	Collector *collect.Collector
	Interval  time.Duration
	// FullEvery is the full report period (default 24h).
	FullEvery time.Duration
	// BackoffBase is the first retry delay (default 1s); BackoffCap caps
	// it (default 5m).
	BackoffBase, BackoffCap time.Duration
	Log                     hclog.Logger
	// Sent, when set (tests, benchmarks), is called after every accepted
	// report.
	Sent func(kind string)
}

// Run reports until ctx ends.
func Run(ctx context.Context, c Config) error {
	if c.FullEvery <= 0 {
		c.FullEvery = agentwire.FullReportInterval
	}
	if c.BackoffCap <= 0 {
		c.BackoffCap = 5 * time.Minute
	}
	if ok, err := service.Notify("READY=1\nSTATUS=reporting"); err != nil {
		c.Log.Warn("sd_notify READY failed", "error", err)
	} else if ok {
		c.Log.Debug("notified systemd: ready")
	}
	if wd := service.WatchdogInterval(); wd > 0 {
		go func() {
			t := time.NewTicker(wd)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					_, _ = service.Notify("WATCHDOG=1")
				}
			}
		}()
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = time.Second
	}
	bo := client.Backoff{Base: c.BackoffBase, Cap: c.BackoffCap}
	var lastFull time.Time
	needFull := true // on start and restart
	failing := false
	for {
		err := c.Reporter.Drain(ctx)
		if err != nil && needFull && ctx.Err() == nil {
			// The core is unreachable on start: keep this start's full
			// report behind the spooled ones.
			if serr := c.Reporter.Spool(c.Collector.Collect(true)); serr != nil {
				c.Log.Warn("spool full report", "error", serr)
			}
			needFull, lastFull = false, time.Now()
		}
		if err == nil {
			kind := agentwire.KindMetrics
			if needFull || time.Since(lastFull) >= c.FullEvery {
				kind = agentwire.KindFull
			}
			t := c.Collector.Collect(kind == agentwire.KindFull)
			err = c.Reporter.Send(ctx, kind, t)
			switch {
			case err == nil:
				if kind == agentwire.KindFull {
					needFull, lastFull = false, time.Now()
				}
				if c.Sent != nil {
					c.Sent(kind)
				}
			case kind == agentwire.KindFull && ctx.Err() == nil:
				// Keep it for when the core is back; the next attempt is a
				// metrics report (or the next full one).
				if serr := c.Reporter.Spool(t); serr != nil {
					c.Log.Warn("spool full report", "error", serr)
				}
				needFull, lastFull = false, time.Now()
			}
		}
		wait := c.Interval
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			wait = min(bo.Next(), max(c.Interval, c.BackoffCap))
			var se *client.ServerError
			if errors.As(err, &se) {
				c.Log.Error("report refused", "status", se.Status, "error", se.Message, "retry_in", wait.Round(time.Millisecond))
			} else if !failing {
				c.Log.Warn("core unreachable; retrying with backoff", "error", err, "retry_in", wait.Round(time.Millisecond))
			} else {
				c.Log.Debug("core still unreachable", "error", err, "retry_in", wait.Round(time.Millisecond))
			}
			failing = true
		} else {
			if failing {
				c.Log.Info("core reachable again")
			}
			failing = false
			bo.Reset()
		}
		select {
		case <-ctx.Done():
			_, _ = service.Notify("STOPPING=1")
			return nil
		case <-time.After(wait):
		}
	}
}
