package pbs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// node is the node path segment: PBS serves one node, "localhost".
const node = "/nodes/localhost"

// taskWindow is how far back a failed task still raises an alert.
const taskWindow = 24 * time.Hour

// groupKey names a backup group.
type groupKey struct{ store, ns, typ, id string }

// groupState is what the connection remembers of a group between cycles.
type groupState struct {
	count   int
	last    int64
	owner   string
	comment string
	snaps   []snapshot
	// rps are the snapshots as recovery points, encoded once and emitted
	// again while the group is unchanged (nil: not built yet).
	rps []sdk.RecoveryPoint
}

// slowData is read on the slow cadence.
type slowData struct {
	version    versionInfo
	sub        subscription
	instanceID string
	stores     []datastore         // sorted by name
	namespaces map[string][]string // store -> namespaces, root "" first
	nsErr      map[string]string   // store -> why its namespaces could not be read
}

// conn is one configured connection and what it remembers between cycles.
type conn struct {
	name   string
	cfg    config
	client *pxclient.Client
	opts   Options
	log    hclog.Logger

	mu          sync.Mutex // one cycle at a time
	cycles      int
	slowCycle   int
	slowAt      time.Time
	slow        *slowData
	groups      map[groupKey]*groupState
	verifyEnd   map[string]int64 // store -> end of the last verify run seen
	refreshedAt time.Time
}

func newConn(name string, cfg config, c *pxclient.Client, o Options, log hclog.Logger) *conn {
	return &conn{name: name, cfg: cfg, client: c, opts: o, log: log, groups: map[groupKey]*groupState{}, verifyEnd: map[string]int64{}}
}

// view is what one cycle knows.
type view struct {
	now    time.Time
	host   string // endpoint host name, the resource's display name
	status nodeStatus
	usage  map[string]storeUsage
	gc     map[string]gcStatus
	verify []job
	sync   []job
	prune  []job
	tasks  []task
	slow   *slowData
	groups map[groupKey]*groupState
	// unreadable are datastores whose contents could not be listed this
	// cycle (unmounted, offline); their groups are the last ones seen.
	unreadable map[string]string
}

// collect runs one cycle. Any failed read returns an error before anything
// is emitted, so the core keeps what it had.
func (c *conn) collect(ctx context.Context, out sdk.Emitter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cycles++
	now := c.opts.Now()
	if c.slow == nil || c.cycles-c.slowCycle >= c.opts.SlowCycles || now.Sub(c.slowAt) >= c.opts.SlowEvery {
		s, err := c.readSlow(ctx)
		if err != nil {
			return err
		}
		c.slow, c.slowAt, c.slowCycle = s, now, c.cycles
	}
	v, err := c.read(ctx, now)
	if err != nil {
		return err
	}
	if err := c.readGroups(ctx, v); err != nil {
		return err
	}
	return emit(c, v, out)
}

func wrap(what string, err error) error {
	return fmt.Errorf("%s: %w", what, explained{err})
}

// explained is an error rendered for operators, still wrapping its cause.
type explained struct{ err error }

func (e explained) Error() string { return pxclient.Explain(e.err) }
func (e explained) Unwrap() error { return e.err }

// readSlow reads version, subscription, identity, the datastore list and
// every datastore's namespaces.
func (c *conn) readSlow(ctx context.Context) (*slowData, error) {
	s := &slowData{namespaces: map[string][]string{}, nsErr: map[string]string{}}
	if err := c.client.Get(ctx, "/version", &s.version); err != nil {
		return nil, wrap("read version", err)
	}
	if err := c.client.Get(ctx, node+"/subscription", &s.sub); err != nil {
		return nil, wrap("read subscription", err)
	}
	var id identity
	switch err := c.client.Get(ctx, node+"/identity", &id); {
	case err == nil:
		s.instanceID = strings.ToLower(strings.TrimSpace(id.InstanceID))
	case pxclient.StatusIs(err, http.StatusNotFound, http.StatusNotImplemented, http.StatusBadRequest):
		// Before PBS 4.2 there is no identity endpoint.
	default:
		return nil, wrap("read server identity", err)
	}
	if err := c.client.Get(ctx, "/admin/datastore", &s.stores); err != nil {
		return nil, wrap("list datastores", err)
	}
	sort.Slice(s.stores, func(i, j int) bool { return s.stores[i].Store < s.stores[j].Store })
	for _, d := range s.stores {
		if why := unreadable(d, nil); why != "" {
			s.nsErr[d.Store] = why
			if c.slow != nil {
				s.namespaces[d.Store] = c.slow.namespaces[d.Store]
			}
			continue
		}
		var nss []namespace
		if err := c.client.Get(ctx, "/admin/datastore/"+url.PathEscape(d.Store)+"/namespace", &nss); err != nil {
			return nil, wrap("list namespaces of datastore "+d.Store, err)
		}
		list := make([]string, 0, len(nss)+1)
		list = append(list, "")
		for _, n := range nss {
			if ns := strings.Trim(n.NS, "/"); ns != "" {
				list = append(list, ns)
			}
		}
		sort.Strings(list[1:])
		s.namespaces[d.Store] = list
	}
	return s, nil
}

// unreadable says why a datastore's contents cannot be listed, or "".
func unreadable(d datastore, u *storeUsage) string {
	switch {
	case d.MountStatus == "notmounted":
		return "the removable datastore is not mounted"
	case strings.HasPrefix(d.Maintenance, "offline") || strings.Contains(d.Maintenance, "type=offline") ||
		strings.HasPrefix(d.Maintenance, "unmount") || strings.Contains(d.Maintenance, "type=unmount") ||
		strings.HasPrefix(d.Maintenance, "delete") || strings.Contains(d.Maintenance, "type=delete"):
		return "the datastore is in maintenance mode (" + d.Maintenance + ")"
	case u != nil && u.Error != "":
		return u.Error
	}
	return ""
}

// read performs the steady-state reads other than groups.
func (c *conn) read(ctx context.Context, now time.Time) (*view, error) {
	v := &view{now: now, slow: c.slow, usage: map[string]storeUsage{}, gc: map[string]gcStatus{}, unreadable: map[string]string{}}
	if u, err := url.Parse(c.client.Endpoints()[0]); err == nil {
		v.host = u.Hostname()
	}
	if err := c.client.Get(ctx, node+"/status", &v.status); err != nil {
		return nil, wrap("read server status", err)
	}
	var usage []storeUsage
	if err := c.client.Get(ctx, "/status/datastore-usage", &usage); err != nil {
		return nil, wrap("read datastore usage", err)
	}
	for _, u := range usage {
		v.usage[u.Store] = u
	}
	var gcs []gcStatus
	if err := c.client.Get(ctx, "/admin/gc", &gcs); err != nil {
		return nil, wrap("read garbage collection status", err)
	}
	for _, g := range gcs {
		v.gc[g.Store] = g
	}
	for _, j := range []struct {
		path string
		dst  *[]job
	}{{"/admin/verify", &v.verify}, {"/admin/sync", &v.sync}, {"/admin/prune", &v.prune}} {
		if err := c.client.Get(ctx, j.path, j.dst); err != nil {
			return nil, wrap("read "+strings.TrimPrefix(j.path, "/admin/")+" jobs", err)
		}
		sort.Slice(*j.dst, func(a, b int) bool { return (*j.dst)[a].ID < (*j.dst)[b].ID })
	}
	q := url.Values{"errors": {"1"}, "since": {strconv.FormatInt(now.Add(-taskWindow).Unix(), 10)}, "limit": {"500"}}
	if err := c.client.Get(ctx, node+"/tasks?"+q.Encode(), &v.tasks); err != nil {
		return nil, wrap("read failed tasks", err)
	}
	return v, nil
}

// readGroups lists every namespace's groups and re-lists the snapshots of
// the groups that changed.
func (c *conn) readGroups(ctx context.Context, v *view) error {
	refreshAll := v.now.Sub(c.refreshedAt) >= c.cfg.refresh
	verifyDone := map[string]bool{}
	for _, j := range v.verify {
		if prev, ok := c.verifyEnd[j.Store]; ok && j.LastEnd > prev {
			verifyDone[j.Store] = true
		}
	}
	seen := map[groupKey]bool{}
	type todo struct {
		k groupKey
		g group
	}
	var work []todo
	for _, d := range c.slow.stores {
		u, hasUsage := v.usage[d.Store]
		var up *storeUsage
		if hasUsage {
			up = &u
		}
		if why := unreadable(d, up); why != "" {
			v.unreadable[d.Store] = why
			continue
		}
		for _, ns := range c.slow.namespaces[d.Store] {
			var gs []group
			p := "/admin/datastore/" + url.PathEscape(d.Store) + "/groups"
			if ns != "" {
				p += "?ns=" + url.QueryEscape(ns)
			}
			if err := c.client.Get(ctx, p, &gs); err != nil {
				if ns != "" && pxclient.StatusIs(err, http.StatusBadRequest, http.StatusNotFound) {
					continue // the namespace was removed since the slow pass
				}
				return wrap(fmt.Sprintf("list backup groups of datastore %s namespace %q", d.Store, ns), err)
			}
			for _, g := range gs {
				k := groupKey{d.Store, ns, g.Type, g.ID}
				seen[k] = true
				old := c.groups[k]
				if old == nil || old.count != g.Count || old.last != g.LastBackup || refreshAll || verifyDone[d.Store] {
					work = append(work, todo{k, g})
					continue
				}
				if old.owner != g.Owner {
					old.rps = nil // the owner shown on snapshots without their own
				}
				old.owner, old.comment = g.Owner, g.Comment
			}
		}
	}
	// List the changed groups' snapshots with a bounded pool; keep the new
	// lists aside until all succeeded.
	fresh := make([][]snapshot, len(work))
	errs := make([]error, len(work))
	sem := make(chan struct{}, c.opts.Workers)
	var wg sync.WaitGroup
	for i, w := range work {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			q := url.Values{"backup-type": {w.k.typ}, "backup-id": {w.k.id}}
			if w.k.ns != "" {
				q.Set("ns", w.k.ns)
			}
			var ss []snapshot
			err := c.client.Get(ctx, "/admin/datastore/"+url.PathEscape(w.k.store)+"/snapshots?"+q.Encode(), &ss)
			if err != nil {
				errs[i] = wrap(fmt.Sprintf("list snapshots of %s/%s in datastore %s namespace %q", w.k.typ, w.k.id, w.k.store, w.k.ns), err)
				return
			}
			sort.Slice(ss, func(a, b int) bool { return ss[a].Time < ss[b].Time })
			fresh[i] = ss
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return firstErr(errs)
	}
	for i, w := range work {
		c.groups[w.k] = &groupState{count: w.g.Count, last: w.g.LastBackup, owner: w.g.Owner, comment: w.g.Comment, snaps: fresh[i]}
	}
	for k := range c.groups {
		if _, skip := v.unreadable[k.store]; skip {
			continue // kept from when it was readable: nothing is deleted
		}
		if !seen[k] {
			delete(c.groups, k)
		}
	}
	for _, j := range v.verify {
		c.verifyEnd[j.Store] = max(c.verifyEnd[j.Store], j.LastEnd)
	}
	if refreshAll {
		c.refreshedAt = v.now
	}
	v.groups = c.groups
	return nil
}

func firstErr(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
