package pve

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// slowData is what the slow cadence reads. It lives across cycles: between
// slow passes, and for items a slow pass could not refresh (a node that is
// offline), the last results are emitted again so every snapshot stays
// complete.
type slowData struct {
	nodeInfo  map[string]nodeStatus
	disks     map[string][]disk
	storage   map[string][]nodeStorage // per node
	backups   map[string][]content     // per storage native id
	tasks     []task
	cephPools []cephPool
	snapshots map[int][]snapshot // per vmid
	snapKind  map[int]string     // qemu or lxc, per vmid scanned
	snapNext  int                // round-robin cursor (a vmid)
}

func newSlowData() *slowData {
	return &slowData{
		nodeInfo: map[string]nodeStatus{}, disks: map[string][]disk{}, storage: map[string][]nodeStorage{},
		backups: map[string][]content{}, snapshots: map[int][]snapshot{}, snapKind: map[int]string{},
	}
}

// job is one slow read; apply stores its result under the data lock.
type job struct {
	what  string
	node  string // the node it runs on, "" for cluster-wide reads
	had   bool   // a previous result exists
	fetch func(ctx context.Context) (func(*slowData), error)
}

// readSlow refreshes the slow data. Reads of nodes that are offline, or
// that pveproxy cannot reach, keep their previous results. Any other
// failure keeps the previous result when there is one (and retries next
// cycle), and fails the cycle when there is none, since emitting without
// it would make the core delete what it knows.
func (c *conn) readSlow(ctx context.Context, v *view) error {
	prev := c.slow
	if prev == nil {
		prev = newSlowData()
	}
	next := copySlow(prev)
	var jobs []job
	for _, n := range v.nodes {
		if !n.online {
			continue
		}
		name := n.name
		_, hadInfo := prev.nodeInfo[name]
		_, hadDisks := prev.disks[name]
		_, hadStore := prev.storage[name]
		jobs = append(jobs,
			job{what: "node status", node: name, had: hadInfo, fetch: func(ctx context.Context) (func(*slowData), error) {
				var st nodeStatus
				err := c.client.get(ctx, nodePath(name, "status"), &st)
				return func(d *slowData) { d.nodeInfo[name] = st }, err
			}},
			job{what: "disks", node: name, had: hadDisks, fetch: func(ctx context.Context) (func(*slowData), error) {
				var ds []disk
				err := c.client.get(ctx, nodePath(name, "disks", "list"), &ds)
				return func(d *slowData) { d.disks[name] = ds }, err
			}},
			job{what: "storage status", node: name, had: hadStore, fetch: func(ctx context.Context) (func(*slowData), error) {
				var ss []nodeStorage
				err := c.client.get(ctx, nodePath(name, "storage"), &ss)
				return func(d *slowData) { d.storage[name] = ss }, err
			}},
		)
	}
	hadTasks := prev.tasks != nil
	jobs = append(jobs, job{what: "tasks", had: hadTasks, fetch: func(ctx context.Context) (func(*slowData), error) {
		var ts []task
		err := c.client.get(ctx, "/cluster/tasks", &ts)
		return func(d *slowData) { d.tasks = ts }, err
	}})
	if c.ceph == cephPresent {
		if n := firstOnline(v); n != "" {
			jobs = append(jobs, job{what: "ceph pools", node: n, had: prev.cephPools != nil, fetch: func(ctx context.Context) (func(*slowData), error) {
				var ps []cephPool
				err := c.client.get(ctx, nodePath(n, "ceph", "pool"), &ps)
				return func(d *slowData) { d.cephPools = ps }, err
			}})
		}
	}
	retry1, err := c.run(ctx, jobs, next)
	if err != nil {
		return err
	}
	// Backup listings depend on the storage status just read.
	retry2, err := c.run(ctx, c.backupJobs(v, next, prev), next)
	if err != nil {
		return err
	}
	c.snapshotScan(ctx, v, next)
	c.slow = next
	c.slowCycle, c.slowAt = c.cycles, v.now
	c.slowRetry = retry1 || retry2
	return nil
}

// run executes jobs with bounded concurrency and applies their results. It
// reports whether a read failed but kept an older result (retry next cycle).
func (c *conn) run(ctx context.Context, jobs []job, d *slowData) (retry bool, fatal error) {
	var mu sync.Mutex
	c.parallel(len(jobs), func(i int) {
		j := jobs[i]
		apply, err := j.fetch(ctx)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			apply(d)
		case j.node != "" && nodeUnreachable(err):
			c.log.Warn("node unreachable, keeping its last results", "node", j.node, "read", j.what, "error", err)
		case j.had:
			c.log.Warn("slow read failed, keeping its last result", "node", j.node, "read", j.what, "error", err)
			retry = true
		default:
			if fatal == nil {
				where := j.what
				if j.node != "" {
					where += " of node " + j.node
				}
				fatal = fmt.Errorf("read %s: %w", where, explained{err})
			}
		}
	})
	return retry, fatal
}

// parallel calls fn(0..n-1) on at most opts.Workers goroutines and waits.
func (c *conn) parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.opts.Workers)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// backupJobs lists backups once per shared storage (from one node where it
// is active) and once per node for local storages.
func (c *conn) backupJobs(v *view, next, prev *slowData) []job {
	var jobs []job
	seen := map[string]bool{}
	for _, n := range v.nodes {
		if !n.online {
			continue
		}
		for _, s := range next.storage[n.name] {
			if !bool(s.Enabled) || !bool(s.Active) || !hasContent(s.Content, "backup") {
				continue
			}
			id := storageID(n.name, s.Storage, bool(s.Shared))
			if seen[id] {
				continue
			}
			seen[id] = true
			node, name := n.name, s.Storage
			_, had := prev.backups[id]
			jobs = append(jobs, job{what: "backups on " + name, node: node, had: had, fetch: func(ctx context.Context) (func(*slowData), error) {
				var cs []content
				err := c.client.get(ctx, nodePath(node, "storage", url.PathEscape(name), "content")+"?content=backup", &cs)
				return func(d *slowData) { d.backups[id] = cs }, err
			}})
		}
	}
	// Forget listings of storages that no longer exist or hold no backups,
	// unless their node is merely offline.
	for id := range next.backups {
		if seen[id] {
			continue
		}
		if node := storageNode(id); node != "" {
			if n := v.members[node]; n != nil && !n.online {
				continue
			}
		}
		if anyOffline(v) && storageNode(id) == "" {
			continue
		}
		delete(next.backups, id)
	}
	return jobs
}

// snapshotScan lists snapshots of a bounded number of guests per slow pass,
// round-robin by vmid, so that no cycle makes thousands of calls: at least
// 50 guests, or a sixth of them, whichever is more (a full sweep every six
// slow passes, 30 minutes at the defaults). Failures keep the last result.
func (c *conn) snapshotScan(ctx context.Context, v *view, d *slowData) {
	var cands []clusterRes
	alive := map[int]bool{}
	for _, g := range v.guests {
		alive[g.VMID] = true
		if n := v.members[g.Node]; n == nil || !n.online || bool(g.Template) {
			continue
		}
		cands = append(cands, g)
	}
	for vmid := range d.snapshots {
		if !alive[vmid] {
			delete(d.snapshots, vmid)
			delete(d.snapKind, vmid)
		}
	}
	if len(cands) == 0 {
		return
	}
	budget := max(50, (len(cands)+5)/6)
	start := sort.Search(len(cands), func(i int) bool { return cands[i].VMID >= d.snapNext })
	var pick []clusterRes
	for i := 0; i < len(cands) && len(pick) < budget; i++ {
		pick = append(pick, cands[(start+i)%len(cands)])
	}
	if len(pick) < len(cands) {
		d.snapNext = cands[(start+len(pick))%len(cands)].VMID
	} else {
		d.snapNext = 0
	}
	var mu sync.Mutex
	c.parallel(len(pick), func(i int) {
		g := pick[i]
		var ss []snapshot
		err := c.client.get(ctx, nodePath(g.Node, g.Type, strconv.Itoa(g.VMID), "snapshot"), &ss)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			c.log.Debug("snapshot listing failed, keeping the last one", "vmid", g.VMID, "error", err)
			return
		}
		d.snapshots[g.VMID], d.snapKind[g.VMID] = ss, g.Type
	})
}

func copySlow(p *slowData) *slowData {
	d := newSlowData()
	for k, v := range p.nodeInfo {
		d.nodeInfo[k] = v
	}
	for k, v := range p.disks {
		d.disks[k] = v
	}
	for k, v := range p.storage {
		d.storage[k] = v
	}
	for k, v := range p.backups {
		d.backups[k] = v
	}
	for k, v := range p.snapshots {
		d.snapshots[k] = v
	}
	for k, v := range p.snapKind {
		d.snapKind[k] = v
	}
	d.tasks, d.cephPools, d.snapNext = p.tasks, p.cephPools, p.snapNext
	return d
}

func firstOnline(v *view) string {
	for _, n := range v.nodes {
		if n.online {
			return n.name
		}
	}
	return ""
}

func anyOffline(v *view) bool {
	for _, n := range v.nodes {
		if !n.online {
			return true
		}
	}
	return false
}

func hasContent(list, want string) bool {
	for _, c := range strings.Split(list, ",") {
		if strings.TrimSpace(c) == want {
			return true
		}
	}
	return false
}

// storageID is the native id of a storage: one resource for a shared
// storage, one per node otherwise.
func storageID(node, name string, shared bool) string {
	if shared {
		return "storage/" + name
	}
	return "storage/" + node + "/" + name
}

// storageNode returns the node of a per-node storage id, "" when shared.
func storageNode(id string) string {
	parts := strings.Split(id, "/")
	if len(parts) == 3 {
		return parts[1]
	}
	return ""
}
