// Package fakepve is a fake Proxmox VE API server: a configurable cluster
// (nodes, qemu and lxc guests, storages, Ceph, disks, backups, snapshots,
// tasks) served under /api2/json over HTTPS, with API-token and ticket
// authentication, privilege checks, request counting and fault injection.
// The server half (routing, authentication, tickets, faults, hooks) is the
// shared plugins/internal/proxmox/fakeapi server the PBS and PMG fakes use
// too; this package adds the cluster model, its handlers and members.
//
// Every response it serves follows the official API description
// (pve-apidoc.json); the package's tests validate each one, so the fake
// cannot drift towards what the adapter happens to expect. Tests import it
// directly; the lab runs it through cmd/pulse-sim-proxmox-pve.
package fakepve

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
)

// Lab credentials the fake accepts unless Options say otherwise.
const (
	DefaultTokenID     = "pulse@pve!monitor"
	DefaultTokenSecret = "pulse-lab-secret"
	DefaultUsername    = "root@pam"
	DefaultPassword    = "pulse-lab"
)

// AllPrivileges are the privileges of a token without restrictions.
var AllPrivileges = []string{
	"Sys.Audit", "VM.Audit", "Datastore.Audit", "Datastore.AllocateSpace", "Pool.Audit", "SDN.Audit",
}

// Options configure a Fake.
type Options struct {
	// TokenID and TokenSecret are the API token accepted.
	TokenID, TokenSecret string
	// Username and Password are the ticket login accepted.
	Username, Password string
	// Privileges are granted on "/" (propagating); nil means AllPrivileges.
	Privileges []string
	// TicketLifetime is how long a ticket is valid (PVE: 2 h).
	TicketLifetime time.Duration
	// Lively makes guest and node CPU and memory vary a little per request.
	Lively bool
	// Now is the clock for tickets; nil means time.Now.
	Now func() time.Time
}

// Fault is an injected failure for one path template (or every path).
type Fault = fakeapi.Fault

// Response is one served response, as OnResponse hooks see it.
type Response = fakeapi.Response

// Fake is a running fake PVE cluster. It is safe for concurrent use: the
// handlers and every change of the cluster run under the server's lock.
type Fake struct {
	opts Options
	srv  *fakeapi.Server

	// Guarded by the server's lock (srv.Do).
	cluster *Cluster
	seq     uint64

	mu      sync.Mutex
	members []*Member
}

// New builds a fake serving c (which it owns from now on).
func New(c *Cluster, o Options) *Fake {
	if o.TokenID == "" {
		o.TokenID, o.TokenSecret = DefaultTokenID, DefaultTokenSecret
	}
	if o.Username == "" {
		o.Username, o.Password = DefaultUsername, DefaultPassword
	}
	if o.Privileges == nil {
		o.Privileges = AllPrivileges
	}
	if o.TicketLifetime == 0 {
		o.TicketLifetime = 2 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	f := &Fake{opts: o, cluster: c}
	// Privileges are checked here (f.has), not by the shared server.
	f.srv = fakeapi.New(fakeapi.Options{Product: "PVE", TokenID: o.TokenID, TokenSecret: o.TokenSecret, TokenSep: "=",
		Username: o.Username, Password: o.Password, TicketLifetime: o.TicketLifetime, Now: o.Now})
	f.routes()
	return f
}

// Handler serves the API.
func (f *Fake) Handler() http.Handler { return f.srv }

// Templates lists every path template the fake serves, as "METHOD /path".
func (f *Fake) Templates() []string { return f.srv.Templates() }

// Member is one cluster member's HTTPS endpoint onto the shared state.
type Member struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits int
	down bool
}

// URL is the member's base URL, e.g. https://127.0.0.1:41234.
func (m *Member) URL() string { return m.srv.URL }

// Hits counts the requests the member answered.
func (m *Member) Hits() int { m.mu.Lock(); defer m.mu.Unlock(); return m.hits }

// Close takes the member down for good: connections are refused.
func (m *Member) Close() {
	m.mu.Lock()
	m.down = true
	m.mu.Unlock()
	m.srv.Close()
}

// Start starts one more member listening on 127.0.0.1 with the fake's
// self-signed certificate.
func (f *Fake) Start() (*Member, error) {
	cert, err := f.Certificate()
	if err != nil {
		return nil, err
	}
	m := &Member{}
	m.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.hits++
		m.mu.Unlock()
		f.srv.ServeHTTP(w, r)
	}))
	m.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	m.srv.StartTLS()
	f.mu.Lock()
	f.members = append(f.members, m)
	f.mu.Unlock()
	return m, nil
}

// Close stops every member.
func (f *Fake) Close() {
	f.mu.Lock()
	ms := f.members
	f.members = nil
	f.mu.Unlock()
	for _, m := range ms {
		m.Close()
	}
}

// Certificate returns the fake's self-signed certificate (made once).
func (f *Fake) Certificate() (tls.Certificate, error) { return f.srv.Certificate() }

// Update changes the cluster under the lock.
func (f *Fake) Update(fn func(c *Cluster)) { f.srv.Do(func() { fn(f.cluster) }) }

// Snapshot returns a copy of the current cluster.
func (f *Fake) Snapshot() *Cluster {
	var c *Cluster
	f.srv.Do(func() { c = f.cluster.Clone() })
	return c
}

// SetFault injects a fault on a path template such as "/cluster/resources";
// the empty template applies to every path.
func (f *Fake) SetFault(template string, ft Fault) { f.srv.SetFault(template, ft) }

// ClearFaults removes every injected fault.
func (f *Fake) ClearFaults() { f.srv.ClearFaults() }

// SetPrivileges replaces the privileges granted on "/".
func (f *Fake) SetPrivileges(p []string) { f.srv.Do(func() { f.opts.Privileges = p }) }

// OnResponse registers a hook that sees every response served.
func (f *Fake) OnResponse(fn func(Response)) { f.srv.OnResponse(fn) }

// Requests returns the number of requests served so far.
func (f *Fake) Requests() int { return f.srv.Requests() }

// RequestsByPath returns the requests served per path template.
func (f *Fake) RequestsByPath() map[string]int { return f.srv.RequestsByPath() }

// ResetCounts zeroes the request counters.
func (f *Fake) ResetCounts() { f.srv.ResetCounts() }

// Logins returns how many password logins and ticket renewals succeeded.
func (f *Fake) Logins() (logins, renewals int) { return f.srv.Logins() }
