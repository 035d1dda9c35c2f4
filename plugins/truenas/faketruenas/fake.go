// Package faketruenas is a fake TrueNAS middleware: a JSON-RPC 2.0 server
// over WebSocket at /api/current (and /api/v<version>), with
// auth.login_with_api_key, role checks (EACCES), ENOTAUTHENTICATED before
// login, query filters and options applied as TrueNAS applies them, jobs
// followed through core.get_jobs, collection_update events after
// core.subscribe, and the method names of either 25.04 (zfs.snapshot.*) or
// 25.10 (pool.snapshot.*). Result shapes follow the middleware's published
// API models, with datetimes as extended JSON {"$date": ms}.
//
// Faults can be injected per method: a late answer, a dropped socket, a
// close with an error status, a malformed frame, an error answer. Tests
// import it; the lab runs it through cmd/pulse-sim-truenas.
package faketruenas

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Lab credentials.
const (
	// DefaultAPIKey is the key the fake accepts unless Options say otherwise.
	DefaultAPIKey = "1-pulselabapikeypulselabapikeypulselabapikeypulselabapikey0001"
)

// Roles the methods need, as the fake models TrueNAS's RBAC. READONLY_ADMIN
// grants every *_READ role; FULL_ADMIN grants everything.
const (
	RoleReadonlyAdmin = "READONLY_ADMIN"
	RoleFullAdmin     = "FULL_ADMIN"
	RoleAppsWrite     = "APPS_WRITE"
)

// MethodRoles maps each method to the role it needs ("" = any logged-in
// session). The adapter names these roles when a call is refused.
var MethodRoles = map[string]string{
	"system.info": "", "system.host_id": "", "core.get_jobs": "", "core.subscribe": "", "core.unsubscribe": "", "core.ping": "",
	"pool.query": "POOL_READ", "pool.dataset.query": "DATASET_READ",
	"disk.query": "DISK_READ", "disk.temperatures": "DISK_READ", "smart.test.results": "DISK_READ",
	"zfs.snapshot.query": "SNAPSHOT_READ", "pool.snapshot.query": "SNAPSHOT_READ",
	"replication.query": "REPLICATION_TASK_READ", "cloudsync.query": "CLOUD_SYNC_READ",
	"alert.list": "ALERT_LIST_READ", "app.query": "APPS_READ",
	"app.start": RoleAppsWrite, "app.stop": RoleAppsWrite, "app.restart": RoleAppsWrite,
}

// Options configure a Fake.
type Options struct {
	// APIKey is the key accepted (default DefaultAPIKey).
	APIKey string
	// Roles granted to the key (default FULL_ADMIN).
	Roles []string
	// JobDuration is how long an app job runs (default 50ms).
	JobDuration time.Duration
	// DeployDuration is how long a started app stays DEPLOYING before
	// RUNNING (default 0).
	DeployDuration time.Duration
	// KeepInsecureKeys stops the fake from revoking a key that arrives over
	// plain ws://, which TrueNAS does.
	KeepInsecureKeys bool
	// Now is the clock for system.info's datetime and uptime; nil means
	// time.Now.
	Now func() time.Time
	// RealtimeInterval is how often reporting.realtime events are sent to
	// subscribers (default 2s, as TrueNAS does).
	RealtimeInterval time.Duration
}

// Fault is an injected failure for calls of one method.
type Fault struct {
	// Delay holds the answer back.
	Delay time.Duration
	// Drop closes the socket without a close frame instead of answering.
	Drop bool
	// CloseStatus, when set, closes the socket with this status and
	// CloseReason instead of answering.
	CloseStatus websocket.StatusCode
	CloseReason string
	// Malformed sends a frame that is not JSON instead of the answer.
	Malformed bool
	// ErrName and Reason answer with a method call error.
	ErrName, Reason string
	// NoMethod answers -32601 "Method not found", as a middleware that
	// lacks the method does.
	NoMethod bool
	// Times limits the fault to this many calls (0 = until cleared).
	Times int
}

// Fake is a running fake TrueNAS. It is safe for concurrent use.
type Fake struct {
	opts Options

	mu       sync.Mutex
	model    *Model
	version  string
	faults   map[string]*Fault
	calls    map[string]int
	jobs     []Row
	nextJob  int64
	conns    map[*wsConn]bool
	revoked  bool
	failJobs map[string]string
	nextSub  int
	timers   sync.WaitGroup
	closed   bool
	// realtime runs while a socket subscribes to reporting.realtime.
	realtime chan struct{}
}

// New builds a fake serving m (which it owns from now on).
func New(m *Model, o Options) *Fake {
	if o.APIKey == "" {
		o.APIKey = DefaultAPIKey
	}
	if o.Roles == nil {
		o.Roles = []string{RoleFullAdmin}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RealtimeInterval == 0 {
		o.RealtimeInterval = 2 * time.Second
	}
	if o.JobDuration == 0 {
		o.JobDuration = 50 * time.Millisecond
	}
	v, _ := m.Info["version"].(string)
	return &Fake{opts: o, model: m, version: v, faults: map[string]*Fault{}, calls: map[string]int{},
		conns: map[*wsConn]bool{}, failJobs: map[string]string{}, nextJob: 100}
}

// Handler serves the API at /api/current and /api/v<version>.
func (f *Fake) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/current", f.serveWS)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimPrefix(r.URL.Path, "/api/v") == f.version {
			f.serveWS(w, r)
			return
		}
		http.Error(w, "no such API version; this server speaks /api/current and /api/v"+f.version, http.StatusNotFound)
	})
	return mux
}

// Close drops every socket and stops pending job timers.
func (f *Fake) Close() {
	f.mu.Lock()
	f.closed = true
	if f.realtime != nil {
		close(f.realtime)
		f.realtime = nil
	}
	conns := f.conns
	f.conns = map[*wsConn]bool{}
	f.mu.Unlock()
	for c := range conns {
		c.ws.CloseNow()
	}
	f.timers.Wait()
}

// SetFault injects a fault for method ("*" for every method after login).
func (f *Fake) SetFault(method string, ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = &ft
}

// ClearFaults removes every fault.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = map[string]*Fault{}
}

// FailJobsFor makes app jobs for app name fail with msg ("" clears).
func (f *Fake) FailJobsFor(name, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if msg == "" {
		delete(f.failJobs, name)
		return
	}
	f.failJobs[name] = msg
}

// SetRoles replaces the roles granted to the key.
func (f *Fake) SetRoles(roles ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.Roles = roles
}

// Calls returns how many times method was called ("" = all methods).
func (f *Fake) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if method == "" {
		n := 0
		for _, c := range f.calls {
			n += c
		}
		return n
	}
	return f.calls[method]
}

// Sockets returns how many WebSockets are open.
func (f *Fake) Sockets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

// Revoked reports whether the key was revoked (it arrived over ws://).
func (f *Fake) Revoked() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.revoked
}

// Update changes the model under the lock and sends the collection_update
// events named by the returned list (each {collection, id, msg}).
func (f *Fake) Update(fn func(m *Model) []Change) {
	f.mu.Lock()
	changes := fn(f.model)
	f.mu.Unlock()
	for _, c := range changes {
		f.publish(c)
	}
}

// Change is one collection_update to send.
type Change struct {
	Collection string
	ID         any
	Msg        string // added, changed, removed
	Fields     Row
}

// AppState returns the state of app name ("" when there is none).
func (f *Fake) AppState(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := findRow(f.model.Apps, "name", name); a != nil {
		s, _ := a["state"].(string)
		return s
	}
	return ""
}

func findRow(rows []Row, key string, val any) Row {
	for _, r := range rows {
		if r[key] == val {
			return r
		}
	}
	return nil
}
