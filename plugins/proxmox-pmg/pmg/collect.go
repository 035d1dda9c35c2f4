package pmg

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// queues are the postfix queues, in report order.
var queues = []string{"active", "deferred", "hold", "incoming"}

// attachmentWindow is how far back the attachment quarantine is counted
// (PMG keeps quarantined mail for 7 days by default).
const attachmentWindow = 7 * 24 * time.Hour

// slowData is read on the slow cadence.
type slowData struct {
	version    versionInfo
	stats      mailStats
	statsErr   string
	spam       quarantineStatus
	virus      quarantineStatus
	attachN    int64
	attachB    int64
	quarantine string // why quarantine sizes are missing, or ""
}

// sample is a quarantine size at a time (for the growth alert).
type sample struct {
	at    time.Time
	count int64
}

// conn is one configured connection and what it remembers between cycles.
type conn struct {
	name   string
	cfg    config
	client *pxclient.Client
	opts   Options
	log    hclog.Logger

	mu        sync.Mutex // one cycle at a time
	cycles    int
	slowCycle int
	slowAt    time.Time
	slow      *slowData
	history   []sample // quarantine sizes of the last two hours
}

func newConn(name string, cfg config, c *pxclient.Client, o Options, log hclog.Logger) *conn {
	return &conn{name: name, cfg: cfg, client: c, opts: o, log: log}
}

// nodeView is one node as one cycle sees it.
type nodeView struct {
	clusterNode
	online bool
	down   string // why it is offline
	status nodeStatus
	counts map[string]int64
	oldest int64 // arrival time of the oldest queued message, 0 = none
}

// view is what one cycle knows.
type view struct {
	now       time.Time
	clustered bool
	nodes     []*nodeView
	slow      *slowData
	growth    int64 // quarantined messages added over the last hour, -1 unknown
}

func wrap(what string, err error) error { return fmt.Errorf("%s: %w", what, explained{err}) }

// explained is an error rendered for operators, still wrapping its cause.
type explained struct{ err error }

func (e explained) Error() string { return pxclient.Explain(e.err) }
func (e explained) Unwrap() error { return e.err }

// collect runs one cycle; a failed read of the cluster returns an error
// before anything is emitted. A node that cannot be reached is offline, not
// a failure.
func (c *conn) collect(ctx context.Context, out sdk.Emitter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cycles++
	now := c.opts.Now()
	v := &view{now: now, growth: -1}
	var members []clusterNode
	if err := c.client.Get(ctx, "/config/cluster/status?list_single_node=1", &members); err != nil {
		return wrap("read cluster status", err)
	}
	if len(members) == 0 {
		return errors.New("read cluster status: the answer lists no node")
	}
	sort.Slice(members, func(i, j int) bool {
		if (members[i].Type == "master") != (members[j].Type == "master") {
			return members[i].Type == "master"
		}
		return members[i].Name < members[j].Name
	})
	v.clustered = len(members) > 1 || members[0].CID != 0
	for _, m := range members {
		n, err := c.readNode(ctx, m)
		if err != nil {
			return err
		}
		v.nodes = append(v.nodes, n)
	}
	if c.slow == nil || c.cycles-c.slowCycle >= c.opts.SlowCycles || now.Sub(c.slowAt) >= c.opts.SlowEvery {
		s, err := c.readSlow(ctx, now)
		if err != nil {
			return err
		}
		c.slow, c.slowAt, c.slowCycle = s, now, c.cycles
		if s.quarantine == "" {
			c.history = append(c.history, sample{now, s.spam.Count + s.virus.Count + s.attachN})
		}
		for len(c.history) > 0 && now.Sub(c.history[0].at) > 2*time.Hour {
			c.history = c.history[1:]
		}
	}
	v.slow = c.slow
	v.growth = growth(c.history, now)
	return emit(c, v, out)
}

// growth is how many quarantined messages were added over the last hour:
// the latest size less the newest sample at least an hour old (-1 until
// there is one).
func growth(h []sample, now time.Time) int64 {
	if len(h) < 2 {
		return -1
	}
	latest := h[len(h)-1]
	for i := len(h) - 1; i >= 0; i-- {
		if latest.at.Sub(h[i].at) >= time.Hour {
			return latest.count - h[i].count
		}
	}
	return -1
}

// readNode reads one node's status and queues; 595 (pmgproxy cannot reach
// it) and timeouts make the node offline.
func (c *conn) readNode(ctx context.Context, m clusterNode) (*nodeView, error) {
	n := &nodeView{clusterNode: m, online: true, counts: map[string]int64{}}
	base := "/nodes/" + url.PathEscape(m.Name)
	offline := func(err error) bool {
		if pxclient.NodeUnreachable(err) || pxclient.StatusIs(err, http.StatusBadGateway, http.StatusServiceUnavailable) {
			n.online, n.down = false, pxclient.Describe(err)
			return true
		}
		return false
	}
	if err := c.client.Get(ctx, base+"/status", &n.status); err != nil {
		if offline(err) {
			return n, nil
		}
		return nil, wrap("read status of node "+m.Name, err)
	}
	for _, q := range queues {
		var first []queued
		total, err := c.client.GetTotal(ctx, base+"/postfix/queue/"+q+"?limit=1&sortfield=arrival_time&sortdir=ASC", &first)
		if err != nil {
			if offline(err) {
				return n, nil
			}
			return nil, wrap(fmt.Sprintf("read the %s queue of node %s", q, m.Name), err)
		}
		if total < 0 {
			total = int64(len(first))
		}
		n.counts[q] = total
		if len(first) > 0 && first[0].ArrivalTime > 0 && (n.oldest == 0 || first[0].ArrivalTime < n.oldest) {
			n.oldest = first[0].ArrivalTime
		}
	}
	return n, nil
}

// readSlow reads the version, mail statistics and quarantine sizes.
func (c *conn) readSlow(ctx context.Context, now time.Time) (*slowData, error) {
	s := &slowData{}
	if err := c.client.Get(ctx, "/version", &s.version); err != nil {
		return nil, wrap("read version", err)
	}
	q := url.Values{"starttime": {strconv.FormatInt(now.Add(-c.cfg.th.window).Unix(), 10)}, "endtime": {strconv.FormatInt(now.Unix(), 10)}}
	if err := c.client.Get(ctx, "/statistics/mail?"+q.Encode(), &s.stats); err != nil {
		return nil, wrap("read mail statistics", err)
	}
	if err := c.client.Get(ctx, "/quarantine/spamstatus", &s.spam); err != nil {
		return nil, wrap("read the spam quarantine", err)
	}
	if err := c.client.Get(ctx, "/quarantine/virusstatus", &s.virus); err != nil {
		return nil, wrap("read the virus quarantine", err)
	}
	var att []attachment
	q = url.Values{"starttime": {strconv.FormatInt(now.Add(-attachmentWindow).Unix(), 10)}, "endtime": {strconv.FormatInt(now.Unix()+1, 10)}}
	if err := c.client.Get(ctx, "/quarantine/attachment?"+q.Encode(), &att); err != nil {
		return nil, wrap("read the attachment quarantine", err)
	}
	s.attachN = int64(len(att))
	for _, a := range att {
		s.attachB += a.Bytes
	}
	return s, nil
}
