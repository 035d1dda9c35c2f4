package pluginhost

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Reasons recorded on the records of connections a reload took away.
const (
	ReasonRemoved  = "connection removed from the configuration"
	ReasonDisabled = "connection disabled in the configuration"
)

// ReloadReport says what a Reload changed; connections are "platform/name".
type ReloadReport struct {
	Added     []string `json:"added"`
	Changed   []string `json:"changed"`
	Removed   []string `json:"removed"`
	Unchanged []string `json:"unchanged"`
	// PluginsStarted, PluginsStopped and PluginsUpgraded are platform ids.
	PluginsStarted  []string `json:"plugins_started"`
	PluginsStopped  []string `json:"plugins_stopped"`
	PluginsUpgraded []string `json:"plugins_upgraded"`
}

func (r *ReloadReport) sort() {
	for _, l := range []*[]string{&r.Added, &r.Changed, &r.Removed, &r.Unchanged, &r.PluginsStarted, &r.PluginsStopped, &r.PluginsUpgraded} {
		if *l == nil {
			*l = []string{}
		}
		sort.Strings(*l)
	}
}

// binaryID identifies a plugin binary's content cheaply.
type binaryID struct {
	path  string
	size  int64
	mtime time.Time
}

func statBinary(path string) binaryID {
	st, err := os.Stat(path)
	if err != nil {
		return binaryID{path: path}
	}
	return binaryID{path: path, size: st.Size(), mtime: st.ModTime()}
}

// noteLaunched records the binary platform's plugin started from.
func (h *Host) noteLaunched(platform string, p *Plugin) {
	id := statBinary(p.Path)
	h.mu.Lock()
	h.launched[platform] = id
	h.mu.Unlock()
}

// sameSpec reports whether a running connection may keep polling as it is.
func sameSpec(a, b ConnSpec) bool {
	return a.Fingerprint != "" && a.Fingerprint == b.Fingerprint && a.Enabled == b.Enabled &&
		a.PollInterval == b.PollInterval && a.Timeout == b.Timeout
}

// Schemas returns the connection schema of every plugin that has started,
// by platform: what a reload validates a new configuration against.
func (h *Host) Schemas() map[string]sdk.Schema {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := map[string]sdk.Schema{}
	for id, s := range h.supervisors {
		s.mu.Lock()
		if s.schema != nil {
			out[id] = s.schema
		}
		s.mu.Unlock()
	}
	return out
}

// Reload moves the host to a new set of connections. Connections whose spec
// is unchanged keep polling without a gap; changed ones are stopped and
// started again with the new spec on the running plugin; removed ones stop,
// their records marked stale (ReasonRemoved) and deleted after
// RemovedRetention; new ones start. A platform left without an enabled
// connection has its plugin stopped; a platform whose plugin binary changed
// on disk is upgraded (UpgradePlugin).
func (h *Host) Reload(ctx context.Context, conns []ConnSpec) ReloadReport {
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	var rep ReloadReport
	found := h.discover()
	next := groupByPlatform(conns)

	h.mu.Lock()
	old := make(map[string]*supervisor, len(h.supervisors))
	for id, s := range h.supervisors {
		old[id] = s
	}
	h.mu.Unlock()

	for id, s := range old {
		specs, keep := next[id]
		if keep && anyEnabled(specs) && s.running() {
			continue // applied below
		}
		// The platform is gone, fully disabled, or its plugin was not
		// running (missing, refused): stop it; start it over below.
		wasRunning := s.running()
		h.stopSupervisor(s)
		for _, p := range s.snapshotPollers() {
			name := p.spec.Platform + "/" + p.spec.Name
			spec, still := findSpec(specs, p.spec.Name)
			switch {
			case !still:
				h.retire(ctx, p.src, ReasonRemoved)
				rep.Removed = append(rep.Removed, name)
			case !spec.Enabled && p.spec.Enabled:
				_ = h.sink.MarkStale(ctx, p.src, ReasonDisabled, time.Now())
				rep.Changed = append(rep.Changed, name)
			case sameSpec(p.spec, spec):
				rep.Unchanged = append(rep.Unchanged, name)
			default:
				rep.Changed = append(rep.Changed, name)
			}
		}
		for _, spec := range specs {
			if !slices.ContainsFunc(s.snapshotPollers(), func(p *poller) bool { return p.spec.Name == spec.Name }) {
				rep.Added = append(rep.Added, id+"/"+spec.Name)
			}
		}
		if wasRunning && !anyEnabled(specs) {
			rep.PluginsStopped = append(rep.PluginsStopped, id)
		}
		h.mu.Lock()
		delete(h.supervisors, id)
		if keep {
			s2 := h.startSupervisorLocked(id, found[id].Path, specs)
			if s2.running() {
				rep.PluginsStarted = append(rep.PluginsStarted, id)
			}
		}
		h.mu.Unlock()
	}
	for id, specs := range next {
		if _, ok := old[id]; ok {
			continue
		}
		h.unretire(specs)
		h.mu.Lock()
		s := h.startSupervisorLocked(id, found[id].Path, specs)
		h.mu.Unlock()
		for _, spec := range specs {
			rep.Added = append(rep.Added, id+"/"+spec.Name)
		}
		if s.running() {
			rep.PluginsStarted = append(rep.PluginsStarted, id)
		}
	}
	// Running platforms that keep connections: diff them in place.
	h.mu.RLock()
	var live []*supervisor
	for id, s := range h.supervisors {
		if o, ok := old[id]; ok && o == s {
			live = append(live, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range live {
		specs := next[s.platform]
		h.unretire(specs)
		s.apply(ctx, specs, &rep)
		h.mu.RLock()
		was := h.launched[s.platform]
		h.mu.RUnlock()
		if f, ok := found[s.platform]; ok && was.path != "" && statBinary(f.Path) != was {
			h.log.Info("plugin binary changed; upgrading", "platform", s.platform, "path", f.Path)
			s.upgrade(f.Path, "plugin binary changed on disk: upgrading")
			rep.PluginsUpgraded = append(rep.PluginsUpgraded, s.platform)
		}
	}
	rep.sort()
	h.log.Info("configuration reloaded", "added", rep.Added, "changed", rep.Changed, "removed", rep.Removed,
		"unchanged", len(rep.Unchanged), "plugins_started", rep.PluginsStarted, "plugins_stopped", rep.PluginsStopped, "plugins_upgraded", rep.PluginsUpgraded)
	return rep
}

func findSpec(specs []ConnSpec, name string) (ConnSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return ConnSpec{}, false
}

// UpgradePlugin restarts platform's plugin from the binary found now (a new
// version put in place), moving its connections to it; their last data
// stays, stale with the reason, until the new plugin's first polls.
func (h *Host) UpgradePlugin(platform string) error {
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	h.mu.RLock()
	s, ok := h.supervisors[platform]
	h.mu.RUnlock()
	if !ok {
		return fmt.Errorf("upgrade plugin %s: no connection of this platform is configured", platform)
	}
	f, ok := h.discover()[platform]
	if !ok {
		return fmt.Errorf("upgrade plugin %s: no %s%s binary in %v", platform, BinaryPrefix, platform, h.opts.Dirs)
	}
	if s.running() {
		s.upgrade(f.Path, "plugin upgrade requested")
		return nil
	}
	// Not running (missing, refused, or no enabled connection): start over.
	specs := make([]ConnSpec, 0)
	for _, p := range s.snapshotPollers() {
		specs = append(specs, p.spec)
	}
	if !anyEnabled(specs) {
		return fmt.Errorf("upgrade plugin %s: every connection of this platform is disabled", platform)
	}
	h.mu.Lock()
	h.startSupervisorLocked(platform, f.Path, specs)
	h.mu.Unlock()
	return nil
}

// stopSupervisor stops s's plugin and waits for it.
func (h *Host) stopSupervisor(s *supervisor) {
	if s.cancel != nil {
		s.cancel()
	}
	<-s.done
}

// retire marks src's records stale with reason and schedules their deletion.
func (h *Host) retire(ctx context.Context, src resource.SourceRef, reason string) {
	now := time.Now()
	if err := h.sink.MarkStale(ctx, src, reason, now); err != nil {
		h.log.Error("mark stale", "connection", src.Connection, "error", err)
	}
	h.mu.Lock()
	h.removed[src] = now.Add(h.opts.RemovedRetention)
	h.mu.Unlock()
	h.log.Info("connection removed; its records stay stale until deleted", "platform", src.Platform, "connection", src.Connection,
		"delete_after", h.opts.RemovedRetention)
}

// unretire cancels the deletion of connections that came back.
func (h *Host) unretire(specs []ConnSpec) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range specs {
		delete(h.removed, resource.SourceRef{Platform: s.Platform, Connection: s.Name})
	}
}

// sourceLister is implemented by the store: every source it holds.
type sourceLister interface {
	Sources() []resource.SourceRef
}

// retireOrphans retires stored sources of connectable platforms (those a
// connection block may name) that no configured connection names:
// connections removed while the core was down. Sources of other platforms
// (agents, written by the agent gateway) are not the host's.
func (h *Host) retireOrphans(conns []ConnSpec) {
	sl, ok := h.sink.(sourceLister)
	if !ok {
		return
	}
	connectable := map[string]bool{}
	for _, p := range platform.Connectable() {
		connectable[string(p.ID)] = true
	}
	known := map[resource.SourceRef]bool{}
	for _, c := range conns {
		known[resource.SourceRef{Platform: c.Platform, Connection: c.Name}] = true
	}
	for _, src := range sl.Sources() {
		if connectable[src.Platform] && !known[src] {
			h.retire(context.Background(), src, ReasonRemoved)
		}
	}
}

// janitor deletes the records of removed connections once their retention
// has passed.
func (h *Host) janitor(ctx context.Context) {
	every := min(max(h.opts.RemovedRetention/4, 10*time.Millisecond), time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.mu.Lock()
			var due []resource.SourceRef
			for src, at := range h.removed {
				if !now.Before(at) {
					due = append(due, src)
					delete(h.removed, src)
				}
			}
			h.mu.Unlock()
			for _, src := range due {
				if _, err := h.sink.ApplySnapshot(ctx, src, resource.Snapshot{}, now); err != nil {
					h.log.Error("delete removed connection's records", "connection", src.Connection, "error", err)
					continue
				}
				h.log.Info("removed connection's records deleted", "platform", src.Platform, "connection", src.Connection)
			}
		}
	}
}

// running reports whether the supervisor's run loop is going.
func (s *supervisor) running() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// upgrade makes run start path next, at once.
func (s *supervisor) upgrade(path, reason string) {
	s.mu.Lock()
	s.upgradeTo = path
	s.mu.Unlock()
	select {
	case s.restart <- reason:
	default:
		// A restart is pending already; it will pick up upgradeTo.
	}
}

// apply diffs the supervisor's connections against specs (this platform's,
// at least one enabled) and records what it did in rep.
func (s *supervisor) apply(ctx context.Context, specs []ConnSpec, rep *ReloadReport) {
	s.mu.Lock()
	old := map[string]*poller{}
	for _, p := range s.pollers {
		old[p.spec.Name] = p
	}
	var next, fresh, stopped []*poller
	var removed []*poller
	for _, spec := range specs {
		name := spec.Platform + "/" + spec.Name
		op, ok := old[spec.Name]
		delete(old, spec.Name)
		switch {
		case ok && sameSpec(op.spec, spec):
			next = append(next, op)
			rep.Unchanged = append(rep.Unchanged, name)
			continue
		case ok:
			stopped = append(stopped, op)
			rep.Changed = append(rep.Changed, name)
		default:
			rep.Added = append(rep.Added, name)
		}
		np := newPoller(s, spec)
		next = append(next, np)
		fresh = append(fresh, np)
	}
	for _, op := range old {
		removed = append(removed, op)
		rep.Removed = append(rep.Removed, op.spec.Platform+"/"+op.spec.Name)
	}
	s.pollers = next
	s.st.Connections = s.st.Connections[:0]
	for _, p := range next {
		s.st.Connections = append(s.st.Connections, p.spec.Name)
	}
	cur := s.cur
	s.mu.Unlock()

	// Stop what changed or went, before the new pollers configure the
	// same connection names on the plugin.
	for _, p := range append(stopped, removed...) {
		p.stop()
	}
	for _, p := range removed {
		if cur != nil && p.spec.Enabled {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := cur.RPC.Close(cctx, p.spec.Name); err != nil {
				s.h.log.Warn("close removed connection", "connection", p.spec.Name, "error", err)
			}
			cancel()
		}
		s.h.retire(ctx, p.src, ReasonRemoved)
	}
	for _, p := range stopped {
		if p.spec.Enabled && !findEnabled(specs, p.spec.Name) {
			_ = s.h.sink.MarkStale(ctx, p.src, ReasonDisabled, time.Now())
		}
	}
	s.mu.Lock()
	for _, p := range fresh {
		s.startLocked(p)
	}
	s.mu.Unlock()
}

func findEnabled(specs []ConnSpec, name string) bool {
	s, ok := findSpec(specs, name)
	return ok && s.Enabled
}
