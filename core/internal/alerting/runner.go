// Package alerting runs the alerts engine inside the daemon: each cycle it
// reads the unified store and the plugin host, evaluates the rules and the
// other alert sources, records the transitions and their notifications in
// one SQLite transaction (history, active set, outbox), and serves the
// alerts, silences and notifiers API.
package alerting

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/alerts"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/notify"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// Store is what the runner reads from the unified store.
type Store interface {
	Resources(store.Filter) []resource.Resource
	Heads() []store.Head
	Alerts(store.AlertFilter) []resource.Alert
	RecoveryPoints(resourceID string) []resource.RecoveryPoint
	Metrics(resourceID string) []resource.Metric
	MetricsByResource() map[string][]resource.Metric
}

// Host is what the runner reads from the plugin host.
type Host interface {
	Connections() []pluginhost.ConnStatus
	Plugins() []pluginhost.PluginStatus
}

// Runner is the engine in the daemon.
type Runner struct {
	Engine   *alerts.Engine
	DB       *alerts.DB
	Notify   *notify.Service
	settings config.AlertSettings
	sql      *sql.DB
	store    Store
	host     Host
	log      hclog.Logger
	now      func() time.Time

	mu       sync.Mutex
	restarts map[string][]restartMark // plugin platform → restart counts seen
	agents   func(time.Time) []alerts.Condition
}

type restartMark struct {
	at time.Time
	n  int
}

// Open opens the alerts and notify tables in path (data_dir/pulse.db),
// restores the alerts active at the last stop, and builds the runner.
func Open(ctx context.Context, path string, cfg *config.Config, st Store, host Host, log hclog.Logger) (*Runner, error) {
	db, err := database.Open(path, 1)
	if err != nil {
		return nil, err
	}
	adb, err := alerts.OpenDB(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	senders, err := notify.Senders(cfg.Notifiers)
	if err != nil {
		db.Close()
		return nil, err
	}
	ob, err := notify.OpenOutbox(ctx, db, senders, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	settings := cfg.Alerts.Filled()
	eng := alerts.New(settings, alerts.Compile(settings, cfg.AlertRules))
	active, err := adb.LoadActive(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	eng.Restore(active)
	r := &Runner{Engine: eng, DB: adb, Notify: notify.NewService(ob, cfg.Routes, log), settings: settings, sql: db,
		store: st, host: host, log: log.Named("alerts"), now: time.Now, restarts: map[string][]restartMark{}}
	if err := r.reloadSilences(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// Close closes the database handle.
func (r *Runner) Close() error { return r.sql.Close() }

// SetAgentSilence installs the agent-silence source: a function returning
// the enrolled agents that stopped reporting, as conditions.
func (r *Runner) SetAgentSilence(f func(now time.Time) []alerts.Condition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.agents = f
}

// Run evaluates every interval and delivers notifications until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.Notify.Outbox.Run(ctx)
	}()
	t := time.NewTicker(r.settings.Interval)
	defer t.Stop()
	lastPrune := time.Time{}
	for {
		if err := r.Cycle(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("alerts cycle", "error", err)
		}
		if now := r.now(); now.Sub(lastPrune) > time.Hour {
			if n, err := r.DB.Prune(ctx, now, r.settings.HistoryRetention); err != nil {
				r.log.Error("prune alert history", "error", err)
			} else if n > 0 {
				r.log.Info("pruned alert history", "rows", n)
			}
			lastPrune = now
		}
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-t.C:
		}
	}
}

// Cycle runs one evaluation: rules, then each other source, then repeats.
func (r *Runner) Cycle(ctx context.Context) error {
	now := r.now()
	if err := r.reloadSilences(ctx); err != nil {
		return err
	}
	targets, newest := r.targets(now)
	events := r.Engine.Evaluate(now, targets)
	platformAlerts := r.store.Alerts(store.AlertFilter{})
	events = append(events, r.Engine.Observe(now, alerts.SourcePlatform, platformConditions(platformAlerts))...)
	backup, err := r.backupConditions(ctx, platformAlerts, newest, targets)
	if err != nil {
		return err
	}
	events = append(events, r.Engine.Observe(now, alerts.SourceBackup, backup)...)
	conns := r.host.Connections()
	events = append(events, r.Engine.Observe(now, alerts.SourceConnection, r.keepUnpolled(alerts.SourceConnection, conns, r.connectionConditions(conns)))...)
	events = append(events, r.Engine.Observe(now, alerts.SourceStale, r.keepUnpolled(alerts.SourceStale, conns, r.staleConditions(conns, now)))...)
	events = append(events, r.Engine.Observe(now, alerts.SourcePlugin, r.pluginConditions(now))...)
	r.mu.Lock()
	agents := r.agents
	r.mu.Unlock()
	if agents != nil {
		events = append(events, r.Engine.Observe(now, alerts.SourceAgent, agents(now))...)
	}
	if err := r.Commit(ctx, events); err != nil {
		return err
	}
	return r.Notify.Tick(ctx, now, r.Engine.Active())
}

// Commit records transitions and enqueues their notifications in one
// transaction: a crash loses neither, and never keeps one without the other.
func (r *Runner) Commit(ctx context.Context, events []alerts.Event) error {
	if len(events) == 0 {
		return nil
	}
	for _, ev := range events {
		r.log.Info("alert", "what", ev.What, "id", ev.Alert.ID, "severity", ev.Alert.Severity, "message", ev.Alert.Message)
	}
	items := r.Notify.Items(events)
	tx, err := r.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit alerts: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := alerts.RecordTx(ctx, tx, events); err != nil {
		return err
	}
	if _, err := notify.EnqueueTx(ctx, tx, items, r.now()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit alerts: %w", err)
	}
	if len(items) > 0 {
		r.Notify.Outbox.Wake()
	}
	return nil
}

func (r *Runner) reloadSilences(ctx context.Context) error {
	s, err := r.DB.Silences(ctx, r.now())
	if err != nil {
		return err
	}
	r.Engine.SetSilences(s)
	return nil
}

// targets reads the store into the engine's input, and returns the newest
// backup time per resource.
func (r *Runner) targets(now time.Time) ([]alerts.Target, map[string]time.Time) {
	// Heads, not Resources: no deep copy of the estate every cycle. In the
	// order of Resources (type, name, id), as the engine always saw them.
	res := r.store.Heads()
	sort.Slice(res, func(i, j int) bool {
		a, b := res[i], res[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	ms := r.store.MetricsByResource()
	n := 0
	for _, rm := range ms {
		n += len(rm)
	}
	all := make([]alerts.Sample, 0, n) // one allocation for every sample
	byRes := make(map[string][]alerts.Sample, len(ms))
	for id, rm := range ms {
		start := len(all)
		for _, m := range rm {
			all = append(all, alerts.Sample{Name: m.Name, Value: m.Value, Time: m.Time})
		}
		byRes[id] = all[start:len(all):len(all)]
	}
	newest := map[string]time.Time{}
	for _, rp := range r.store.RecoveryPoints("") {
		if rp.Kind == resource.RecoveryBackup && rp.Time.After(newest[rp.Resource]) {
			newest[rp.Resource] = rp.Time
		}
	}
	out := make([]alerts.Target, 0, len(res))
	for _, x := range res {
		t := alerts.Target{ID: x.ID, Type: string(x.Type), Platform: x.Platform, Connection: x.Connection, Name: x.Name,
			Tags: x.Tags, Attributes: x.Attributes, Stale: x.Stale, StaleReason: x.StaleReason, Metrics: byRes[x.ID], BackupAgeDays: -1}
		if hasRecovery(x.Platform) && (x.Type == resource.TypeVM || x.Type == resource.TypeSystemContainer) {
			since := x.FirstSeen
			if b, ok := newest[x.ID]; ok {
				since = b
			}
			t.BackupAgeDays = now.Sub(since).Hours() / 24
		}
		out = append(out, t)
	}
	return out, newest
}

// hasRecovery reports whether the platform's recovery surface applies.
func hasRecovery(id string) bool {
	p, ok := platform.Lookup(platform.ID(id))
	return ok && p.Floor != nil && p.Floor.Class(platform.SurfaceRecovery) == platform.ClassSupported
}

func platformConditions(as []resource.Alert) []alerts.Condition {
	out := make([]alerts.Condition, 0, len(as))
	for _, a := range as {
		out = append(out, alerts.Condition{Key: a.ID, Kind: a.Kind, Resource: a.Resource, Platform: a.Platform,
			Connection: a.Connection, Severity: string(a.Severity), Message: a.Message, Started: a.Started})
	}
	return out
}

// isBackupFailure recognises a platform alert reporting a failed backup.
func isBackupFailure(a resource.Alert) bool {
	switch {
	case a.Kind == "backup-failed":
		return true
	case a.Kind == "task-failed" && (strings.Contains(a.Message, "vzdump") || strings.Contains(a.Message, "backup")):
		return true
	}
	return false
}

// backupConditions keeps "the last backup of X failed" active until a
// later backup of X succeeds, whatever the platform's own alert window.
func (r *Runner) backupConditions(ctx context.Context, as []resource.Alert, newest map[string]time.Time, targets []alerts.Target) ([]alerts.Condition, error) {
	for _, a := range as {
		if a.Resource == "" || !isBackupFailure(a) {
			continue
		}
		if b, ok := newest[a.Resource]; ok && b.After(a.Started) {
			continue // already followed by a good backup
		}
		if err := r.DB.NoteBackupFailure(ctx, alerts.BackupFailure{Resource: a.Resource, FailedAt: a.Started, Message: a.Message}); err != nil {
			return nil, err
		}
	}
	fails, err := r.DB.BackupFailures(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, t := range targets {
		names[t.ID] = t.Name
	}
	var out []alerts.Condition
	for _, f := range fails {
		if b, ok := newest[f.Resource]; ok && b.After(f.FailedAt) {
			if err := r.DB.ClearBackupFailure(ctx, f.Resource); err != nil {
				return nil, err
			}
			continue
		}
		name := names[f.Resource]
		if name == "" {
			name = f.Resource
		}
		out = append(out, alerts.Condition{Key: f.Resource, Kind: "backup-failed", Resource: f.Resource, Severity: "critical",
			Started: f.FailedAt, Message: fmt.Sprintf("the last backup of %s failed at %s and no backup has succeeded since: %s",
				name, f.FailedAt.UTC().Format(time.RFC3339), f.Message)})
	}
	return out, nil
}

// connectionConditions: a connection whose polls failed for at least
// connection_failures intervals.
func (r *Runner) connectionConditions(conns []pluginhost.ConnStatus) []alerts.Condition {
	var out []alerts.Condition
	for _, c := range conns {
		if c.LastError == "" || c.LastPoll == nil {
			continue
		}
		every, _ := time.ParseDuration(c.PollInterval)
		failing := c.LastSuccess == nil || c.LastPoll.Sub(*c.LastSuccess) >= time.Duration(r.settings.ConnectionFailures-1)*every
		if !failing || (c.LastSuccess == nil && c.Failures < uint64(r.settings.ConnectionFailures)) {
			continue
		}
		out = append(out, alerts.Condition{Key: c.Platform + "/" + c.Name, Kind: "connection-failing", Platform: c.Platform,
			Connection: c.Name, Severity: "critical",
			Message: fmt.Sprintf("connection %s (%s) is failing its polls: %s", c.Name, c.Platform, c.LastError)})
	}
	return out
}

// staleConditions: a connection that has delivered nothing fresh for
// stale_after.
func (r *Runner) staleConditions(conns []pluginhost.ConnStatus, now time.Time) []alerts.Condition {
	var out []alerts.Condition
	for _, c := range conns {
		if c.LastSuccess == nil || now.Sub(*c.LastSuccess) < r.settings.StaleAfter {
			continue
		}
		out = append(out, alerts.Condition{Key: c.Platform + "/" + c.Name, Kind: "stale-data", Platform: c.Platform,
			Connection: c.Name, Severity: "warning",
			Message: fmt.Sprintf("no fresh data from %s (%s) since %s; its resources are stale", c.Name, c.Platform, c.LastSuccess.UTC().Format(time.RFC3339))})
	}
	return out
}

// pluginConditions: a plugin restarting 3 times within 10 minutes (a crash
// loop), or refused by governance.
func (r *Runner) pluginConditions(now time.Time) []alerts.Condition {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []alerts.Condition
	for _, p := range r.host.Plugins() {
		marks := append(r.restarts[p.Platform], restartMark{now, p.Restarts})
		for len(marks) > 0 && now.Sub(marks[0].at) > 10*time.Minute {
			marks = marks[1:]
		}
		r.restarts[p.Platform] = marks
		switch {
		case p.State == pluginhost.PluginRefused:
			out = append(out, alerts.Condition{Key: p.Platform, Kind: "plugin-refused", Platform: p.Platform, Severity: "critical",
				Message: fmt.Sprintf("plugin %s is refused: %s", p.Platform, strings.Join(p.Problems, "; "))})
		case marks[len(marks)-1].n-marks[0].n >= 3:
			out = append(out, alerts.Condition{Key: p.Platform, Kind: "plugin-crash-loop", Platform: p.Platform, Severity: "critical",
				Message: fmt.Sprintf("plugin %s restarted %d times in 10 minutes (last error: %s)", p.Platform, marks[len(marks)-1].n-marks[0].n, p.LastError)})
		}
	}
	return out
}

// keepUnpolled keeps the alerts of connections that have not polled since
// the core started: right after a restart their state is unknown, which is
// no reason to resolve (and later re-fire) what was active.
func (r *Runner) keepUnpolled(source string, conns []pluginhost.ConnStatus, conds []alerts.Condition) []alerts.Condition {
	for _, c := range conns {
		if c.LastPoll != nil {
			continue
		}
		key := c.Platform + "/" + c.Name
		if a, ok := r.Engine.Get(source + "/" + key); ok {
			conds = append(conds, alerts.Condition{Key: key, Kind: a.Kind, Platform: a.Platform, Connection: a.Connection,
				Severity: a.Severity, Message: a.Message, Started: a.Since})
		}
	}
	return conds
}
