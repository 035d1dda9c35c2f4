package vsphere_test

import (
	"context"
	"encoding/pem"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/internal/simlab"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/vsphere"
)

// lab is a simulated vCenter plus the adapter behind the real gRPC boundary.
// The simulator runs in process (model and srv set) or in a separate
// process (see startSimProcess).
type lab struct {
	t     testing.TB
	model *simulator.Model
	srv   *simulator.Server
	// addr is the simulator's host:port, ca its certificate (PEM), sdkURL
	// its /sdk URL and obs the credentials observer logs in with.
	addr   string
	ca     []byte
	sdkURL url.URL
	obs    *url.Userinfo
	plugin *tracked
	client *sdk.Client
}

// newLab starts an in-process simulator of shape s (any credentials are
// accepted, so tests can observe sessions as a second user) and the adapter
// configured against it with TLS verified through the simulator's CA.
func newLab(t testing.TB, s simlab.Shape) *lab {
	t.Helper()
	m := simlab.VPX(s)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	return newLabFromModel(t, m)
}

func newLabFromModel(t testing.TB, m *simulator.Model) *lab {
	t.Helper()
	l := &lab{t: t, model: m}
	l.serve("")
	t.Cleanup(func() { l.srv.Close(); l.model.Remove() })
	l.connect()
	return l
}

// connect starts the adapter behind the real gRPC boundary (sdktest.New)
// and configures "vc" against the simulator at l.addr.
func (l *lab) connect() {
	l.t.Helper()
	l.plugin = &tracked{Platform: vsphere.New(hclog.NewNullLogger())}
	l.client = sdktest.New(l.t, l.plugin)
	l.configure("vc", l.addr)
}

// serve (re)starts the HTTPS server for the model on addr.
func (l *lab) serve(addr string) {
	l.t.Helper()
	srv, err := simlab.Serve(l.model, addr, "", "")
	if err != nil {
		l.t.Fatal(err)
	}
	l.srv = srv
	l.addr = srv.URL.Host
	l.ca = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	l.sdkURL = *srv.URL
	l.sdkURL.User = nil
	l.obs = url.UserPassword("observer", "observer")
}

// configure (re)configures connection name against endpoint.
func (l *lab) configure(name, endpoint string) {
	l.t.Helper()
	l.configureWith(name, map[string]any{"endpoint": endpoint})
}

// configureWith configures connection name with the lab credentials, the
// simulator's CA and extra attributes (endpoint defaults to the simulator).
func (l *lab) configureWith(name string, extra map[string]any) {
	l.t.Helper()
	cfg := map[string]any{"endpoint": l.addr, "username": simlab.User, "password": simlab.Password}
	for k, v := range extra {
		cfg[k] = v
	}
	sdktest.Configure(l.t, l.client, name, cfg, sdk.TLSConfig{CAPEM: l.ca})
}

// collectConn runs one Collect of connection name.
func collectConn(ctx context.Context, l *lab, name string) (*sdktest.Snapshot, error) {
	return sdktest.Collect(ctx, l.client, name)
}

// observer logs in as a second user (a second session of the lab user on
// a separate-process simulator), for looking at the simulator.
func (l *lab) observer(ctx context.Context) *govmomi.Client {
	l.t.Helper()
	u := l.sdkURL
	u.User = l.obs
	c, err := govmomi.NewClient(ctx, &u, true)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _ = c.Logout(context.WithoutCancel(ctx)) })
	return c
}

// sessions counts the simulator's sessions of user.
func (l *lab) sessions(ctx context.Context, obs *govmomi.Client, user string) int {
	l.t.Helper()
	var sm mo.SessionManager
	if err := obs.RetrieveOne(ctx, *obs.ServiceContent.SessionManager, []string{"sessionList"}, &sm); err != nil {
		l.t.Fatal(err)
	}
	n := 0
	for _, s := range sm.SessionList {
		if s.UserName == user {
			n++
		}
	}
	return n
}

// collect runs one Collect over gRPC.
func (l *lab) collect(ctx context.Context) *sdktest.Snapshot {
	l.t.Helper()
	snap, err := sdktest.Collect(ctx, l.client, "vc")
	if err != nil {
		l.t.Fatalf("collect: %v", err)
	}
	return snap
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tracked wraps the adapter so tests can wait until every plugin-side Watch
// has returned (and cancelled its server-side wait) before the simulator
// closes: a gRPC client sees the end of its stream before the plugin does.
type tracked struct {
	sdk.Platform
	watches sync.WaitGroup
}

var (
	_ sdk.Watcher  = (*tracked)(nil)
	_ sdk.Executor = (*tracked)(nil)
	_ sdk.Closer   = (*tracked)(nil)
)

func (p *tracked) Watch(ctx context.Context, conn string, out sdk.Emitter) error {
	p.watches.Add(1)
	defer p.watches.Done()
	return p.Platform.(sdk.Watcher).Watch(ctx, conn, out)
}

func (p *tracked) Execute(ctx context.Context, conn string, a sdk.Action) (string, error) {
	return p.Platform.(sdk.Executor).Execute(ctx, conn, a)
}

func (p *tracked) Close(ctx context.Context, conn string) error {
	return p.Platform.(sdk.Closer).Close(ctx, conn)
}
