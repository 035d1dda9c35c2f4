package vsphere

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// errDirectESXi refuses a direct ESXi endpoint: phase 1 is vCenter only.
var errDirectESXi = errors.New("the endpoint is a direct ESXi host (API type HostAgent); vmware-vsphere phase 1 supports vCenter only: connect to the vCenter Server that manages this host")

// dialTimeout bounds TCP connect plus TLS handshake.
const dialTimeout = 15 * time.Second

// conn is one configured connection: its settings and its single session.
type conn struct {
	name string
	key  string // the configuration it was built from
	log  hclog.Logger
	cfg  config
	tls  *tls.Config
	// timeout bounds each HTTP request to vCenter (0: none).
	timeout time.Duration

	mu   sync.Mutex // guards cur and last
	cur  *state     // the live session, nil when logged out
	last time.Time  // last realtime performance gather
	// acc integrates realtime rate samples into byte counters.
	acc perfAccum
}

// state is one logged-in vCenter session and what is cached for it. Every
// server-side object it creates (container views, history collectors) is
// session-scoped and dies with the session.
type state struct {
	c     *vim25.Client
	about types.AboutInfo

	mu         sync.Mutex // guards the lazily filled caches below
	views      []types.ManagedObjectReference
	dcs        []types.ManagedObjectReference // datacenters selected by the filter
	counters   map[string]int32
	maxQuery   int
	alarmNames map[types.ManagedObjectReference]string
	eventCat   map[string]string
	events     *types.ManagedObjectReference
	tasks      *types.ManagedObjectReference
	historyErr error
	// handoff is the inventory of the last Collect, kept (until a Watch
	// starts on this session) so that the watch's first baseline need not
	// read the whole inventory again moments later; see takeHandoff.
	handoff   *inventory
	handoffAt time.Time
	watched   bool
}

// handoffMaxAge is how old a Collect's inventory may be for a starting
// Watch to use it as its baseline instead of reading the inventory again.
// A change in between reaches the core with the next Collect, as every
// change the watch does not cover does.
const handoffMaxAge = 5 * time.Second

// keepHandoff offers inv, just collected at now, to the first Watch.
func (st *state) keepHandoff(inv *inventory, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.watched {
		st.handoff, st.handoffAt = inv, now
	}
}

// takeHandoff marks the session watched and returns the offered inventory
// when it is recent enough (at most once), else nil.
func (st *state) takeHandoff(now time.Time) *inventory {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.watched = true
	inv := st.handoff
	st.handoff = nil
	if inv == nil || now.Sub(st.handoffAt) > handoffMaxAge || now.Before(st.handoffAt) {
		return nil
	}
	return inv
}

// session returns the live session, logging in when there is none.
func (cn *conn) session(ctx context.Context) (*state, error) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.cur != nil {
		return cn.cur, nil
	}
	st, err := cn.login(ctx)
	if err != nil {
		return nil, err
	}
	cn.cur = st
	return st, nil
}

// login connects, refuses ESXi, and logs in.
func (cn *conn) login(ctx context.Context) (*state, error) {
	sc := soap.NewClient(cn.cfg.url, false)
	t := sc.DefaultTransport()
	t.TLSClientConfig = cn.tls
	t.DialTLSContext = (&tls.Dialer{NetDialer: &net.Dialer{Timeout: dialTimeout}, Config: cn.tls}).DialContext
	t.TLSHandshakeTimeout = dialTimeout
	sc.Client.Timeout = cn.timeout
	// Keep a connection for every request that runs at once (two inventory
	// halves, the perf queries, the watch) so none re-handshakes TLS, and
	// read every response to its end so each connection is reused.
	t.MaxIdleConnsPerHost = perfParallel + 4
	sc.Client.Transport = drainingTransport{t}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", cn.cfg.url.Host, err)
	}
	about := c.ServiceContent.About
	if about.ApiType == "HostAgent" {
		sc.CloseIdleConnections()
		return nil, errDirectESXi
	}
	if err := session.NewManager(c).Login(ctx, url.UserPassword(cn.cfg.Username, cn.cfg.Password)); err != nil {
		sc.CloseIdleConnections()
		if fault.Is(err, &types.InvalidLogin{}) {
			return nil, fmt.Errorf("login as %s: invalid user name or password", cn.cfg.Username)
		}
		return nil, fmt.Errorf("login as %s: %w", cn.cfg.Username, err)
	}
	cn.log.Debug("logged in", "endpoint", cn.cfg.url.Host, "version", about.Version, "build", about.Build)
	return &state{c: c, about: about}, nil
}

// do runs fn with the live session. When the session is gone (expired,
// terminated, or the server restarted) it drops it, logs in again and runs
// fn once more.
func (cn *conn) do(ctx context.Context, fn func(context.Context, *state) error) error {
	st, err := cn.session(ctx)
	if err != nil {
		return err
	}
	err = fn(ctx, st)
	if err == nil || !sessionLost(ctx, err) {
		return err
	}
	cn.log.Info("session lost, logging in again", "error", err)
	cn.drop(ctx, st, err)
	st, err = cn.session(ctx)
	if err != nil {
		return err
	}
	return fn(ctx, st)
}

// drop forgets st if it is still the live session. A session that failed
// on transport (not NotAuthenticated) may still exist on the server, so it
// is logged out on a best-effort basis to avoid leaking it.
func (cn *conn) drop(ctx context.Context, st *state, cause error) {
	cn.mu.Lock()
	if cn.cur == st {
		cn.cur = nil
	}
	cn.mu.Unlock()
	if !fault.Is(cause, &types.NotAuthenticated{}) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		_ = session.NewManager(st.c).Logout(lctx)
		cancel()
	}
	st.c.CloseIdleConnections()
}

// logout ends the live session, if any.
func (cn *conn) logout(ctx context.Context) error {
	cn.mu.Lock()
	st := cn.cur
	cn.cur = nil
	cn.mu.Unlock()
	if st == nil {
		return nil
	}
	defer st.c.CloseIdleConnections()
	if err := session.NewManager(st.c).Logout(ctx); err != nil && !fault.Is(err, &types.NotAuthenticated{}) {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// sessionScoped are the types of the server-side objects the adapter
// creates; they live and die with its session.
var sessionScoped = map[string]bool{
	"ContainerView": true, "EventHistoryCollector": true, "TaskHistoryCollector": true,
	"PropertyCollector": true, "PropertyFilter": true,
}

// sessionLost reports whether err means the session must be re-established:
// a NotAuthenticated fault, or a transport failure (not a SOAP fault, not our
// own cancellation).
func sessionLost(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if fault.Is(err, &types.NotAuthenticated{}) {
		return true
	}
	// A session-scoped object we created (container view, history or
	// property collector) is gone: so is the session that owned it.
	var nf *types.ManagedObjectNotFound
	if _, ok := fault.As(err, &nf); ok && nf != nil && sessionScoped[nf.Obj.Type] {
		return true
	}
	if soap.IsSoapFault(err) || soap.IsVimFault(err) {
		return false
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, net.ErrClosed)
}

// missingPrivilege returns the privilege a NoPermission fault names, or "".
func missingPrivilege(err error) string {
	if fault.Is(err, &types.NotAuthenticated{}) {
		return ""
	}
	var np *types.NoPermission
	if _, ok := fault.As(err, &np); ok && np != nil {
		if np.PrivilegeId != "" {
			return np.PrivilegeId
		}
		for _, p := range np.MissingPrivileges {
			for _, id := range p.PrivilegeIds {
				return id
			}
		}
	}
	return ""
}

// errUnknown is returned for calls on a connection never configured.
func errUnknown(name string) error {
	return fmt.Errorf("%w: %q", sdk.ErrUnknownConnection, name)
}
