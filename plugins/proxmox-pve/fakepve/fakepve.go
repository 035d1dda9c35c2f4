// Package fakepve is a fake Proxmox VE API server: a configurable cluster
// (nodes, qemu and lxc guests, storages, Ceph, disks, backups, snapshots,
// tasks) served under /api2/json over HTTPS, with API-token and ticket
// authentication, privilege checks, request counting and fault injection.
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
type Fault struct {
	// Status, when set, answers with this HTTP status and Message.
	Status  int
	Message string
	// Delay holds the answer back (a timeout, from the client's side).
	Delay time.Duration
	// Body, when set, is served instead of the real body (malformed JSON).
	Body string
	// Truncate serves the first half of the real body.
	Truncate bool
}

// Response is one served response, as OnResponse hooks see it.
type Response struct {
	// Method and Path are the request's; Template is the apidoc path
	// template it matched ("" when none did).
	Method, Template, Path string
	// Status and Body are what was sent.
	Status int
	Body   []byte
	// Faulted is set when an injected fault replaced or cut the body.
	Faulted bool
}

// Fake is a running fake PVE cluster. It is safe for concurrent use.
type Fake struct {
	opts   Options
	router *router
	cert   tls.Certificate

	mu       sync.Mutex
	cluster  *Cluster
	faults   map[string]Fault
	counts   map[string]int
	total    int
	tickets  map[string]ticket
	seq      uint64
	hooks    []func(Response)
	members  []*Member
	logins   int
	renewals int
}

type ticket struct {
	user    string
	csrf    string
	expires time.Time
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
	f := &Fake{opts: o, cluster: c, faults: map[string]Fault{}, counts: map[string]int{}, tickets: map[string]ticket{}}
	f.router = newRouter(f)
	return f
}

// Handler serves the API.
func (f *Fake) Handler() http.Handler { return f.router }

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
		f.router.ServeHTTP(w, r)
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
func (f *Fake) Certificate() (tls.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cert.Certificate == nil {
		c, err := SelfSigned()
		if err != nil {
			return tls.Certificate{}, err
		}
		f.cert = c
	}
	return f.cert, nil
}

// Update changes the cluster under the lock.
func (f *Fake) Update(fn func(c *Cluster)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.cluster)
}

// Snapshot returns a copy of the current cluster.
func (f *Fake) Snapshot() *Cluster {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cluster.Clone()
}

// SetFault injects a fault on a path template such as "/cluster/resources";
// the empty template applies to every path.
func (f *Fake) SetFault(template string, ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[template] = ft
}

// ClearFaults removes every injected fault.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = map[string]Fault{}
}

// SetPrivileges replaces the privileges granted on "/".
func (f *Fake) SetPrivileges(p []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.Privileges = p
}

// OnResponse registers a hook that sees every response served.
func (f *Fake) OnResponse(fn func(Response)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks = append(f.hooks, fn)
}

// Requests returns the number of requests served so far.
func (f *Fake) Requests() int { f.mu.Lock(); defer f.mu.Unlock(); return f.total }

// RequestsByPath returns the requests served per path template.
func (f *Fake) RequestsByPath() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// ResetCounts zeroes the request counters.
func (f *Fake) ResetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts, f.total = map[string]int{}, 0
}

// Logins returns how many password logins and ticket renewals succeeded.
func (f *Fake) Logins() (logins, renewals int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins, f.renewals
}
