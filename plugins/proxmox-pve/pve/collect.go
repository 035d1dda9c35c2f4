package pve

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// cephPresence records whether the cluster runs Ceph.
type cephPresence int

const (
	cephUnknown cephPresence = iota
	cephPresent
	cephAbsent
)

// conn is one configured connection and what it remembers between cycles.
type conn struct {
	name   string
	log    hclog.Logger
	opts   Options
	client *client

	mu        sync.Mutex // one cycle at a time
	cycles    int
	slowCycle int
	slowAt    time.Time
	slowRetry bool
	ceph      cephPresence
	slow      *slowData
}

// view is what one cycle knows about the cluster.
type view struct {
	now     time.Time
	cluster string // corosync cluster name; "" for a standalone node
	quorate bool
	// members are the nodes by name, from /cluster/status and resources.
	members map[string]*nodeView
	nodes   []*nodeView // sorted by name
	guests  []clusterRes
	stores  []clusterRes
	ceph    *cephStatus
	slow    *slowData
}

// nodeView is one node as both cluster endpoints describe it.
type nodeView struct {
	name   string
	online bool
	ip     string
	nodeID int
	level  string
	res    *clusterRes
}

// collect runs one cycle: the cheap cluster-wide reads every time, the slow
// reads when due, then projection. Any failure of a cluster-wide read
// returns an error before anything is emitted.
func (c *conn) collect(ctx context.Context, out sdk.Emitter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cycles++
	v, err := c.read(ctx)
	if err != nil {
		return err
	}
	if c.slowDue(v.now) {
		if err := c.readSlow(ctx, v); err != nil {
			return err
		}
	}
	v.slow = c.slow
	return emit(v, out)
}

func (c *conn) slowDue(now time.Time) bool {
	return c.slow == nil || c.slowRetry || c.cycles-c.slowCycle >= c.opts.SlowCycles || now.Sub(c.slowAt) >= c.opts.SlowEvery
}

// read performs the steady-state reads: /cluster/status,
// /cluster/resources and, when the cluster has Ceph, /cluster/ceph/status.
func (c *conn) read(ctx context.Context) (*view, error) {
	v := &view{now: c.opts.Now(), members: map[string]*nodeView{}}
	status, err := c.client.clusterStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("read cluster status: %w", explained{err})
	}
	v.quorate = true
	for _, e := range status {
		switch e.Type {
		case "cluster":
			v.cluster, v.quorate = e.Name, bool(e.Quorate)
		case "node":
			v.members[e.Name] = &nodeView{name: e.Name, online: bool(e.Online), ip: e.IP, nodeID: e.NodeID, level: e.Level}
		}
	}
	if len(v.members) == 0 {
		return nil, fmt.Errorf("read cluster status: the answer lists no node")
	}
	res, err := c.client.clusterResources(ctx)
	if err != nil {
		return nil, fmt.Errorf("read cluster resources: %w", explained{err})
	}
	// Guests are compacted in place at the front of res (no second copy of
	// thousands of rows); the few nodes and storages are copied out first.
	guests := res[:0]
	for i := range res {
		r := res[i]
		switch r.Type {
		case "node":
			n := v.members[r.Node]
			if n == nil {
				n = &nodeView{name: r.Node, online: true}
				v.members[r.Node] = n
			}
			n.res = &r
			// A node is online only when both views agree it is.
			if r.Status != "online" {
				n.online = false
			}
		case "qemu", "lxc":
			guests = append(guests, r)
		case "storage":
			v.stores = append(v.stores, r)
		}
	}
	v.guests = guests
	for _, n := range v.members {
		v.nodes = append(v.nodes, n)
	}
	sort.Slice(v.nodes, func(i, j int) bool { return v.nodes[i].name < v.nodes[j].name })
	sort.Slice(v.guests, func(i, j int) bool { return v.guests[i].VMID < v.guests[j].VMID })
	sort.Slice(v.stores, func(i, j int) bool { return v.stores[i].ID < v.stores[j].ID })
	if err := c.readCeph(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// readCeph reads Ceph status when the cluster has Ceph, and probes for it
// on the first cycle and on slow cycles while it has none.
func (c *conn) readCeph(ctx context.Context, v *view) error {
	if c.ceph == cephAbsent && !c.slowDue(v.now) {
		return nil
	}
	st, err := c.client.cephStatus(ctx)
	switch {
	case err == nil:
		c.ceph, v.ceph = cephPresent, st
		return nil
	case noCeph(err):
		c.ceph = cephAbsent
		return nil
	}
	return fmt.Errorf("read ceph status: %w", explained{err})
}

// noCeph recognises PVE's answer on a cluster without Ceph.
func noCeph(err error) bool {
	ae, ok := apiError(err)
	if !ok || ae.Status != http.StatusInternalServerError {
		return false
	}
	m := strings.ToLower(ae.Message)
	return strings.Contains(m, "not initialized") || strings.Contains(m, "not installed") ||
		strings.Contains(m, "no such file") || strings.Contains(m, "not configured")
}

// explained is an error rendered for operators, still wrapping its cause.
type explained struct{ err error }

func (e explained) Error() string { return explain(e.err) }
func (e explained) Unwrap() error { return e.err }

// explain renders an error for operators, naming a missing privilege.
func explain(err error) string {
	msg := describe(err)
	if ae, ok := apiError(err); ok {
		if p := ae.Privilege(); p != "" {
			msg += " (the token or user lacks the " + p + " privilege)"
		}
	}
	return msg
}
