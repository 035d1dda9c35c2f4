// Package fakeengine is a fake Docker Engine API on a unix socket, for the
// docker module's tests and the lab. Its responses follow the Engine API's
// swagger (v1.51), which a test checks against the committed extract. It
// negotiates versions like an engine (400 to a newer API version than its
// own), answers a non-swarm engine's /services with 503 (Docker) or 404
// (Podman), and keeps container state so start, stop and restart act.
package fakeengine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Container is one fake container.
type Container struct {
	ID, Name, Image, ImageDigest string
	State                        string // running, exited, created, restarting, paused, dead
	Health                       string // "", healthy, unhealthy, starting
	Restarts, ExitCode           int
	OOMKilled                    bool
	Labels                       map[string]string
	MemUsed, MemLimit            uint64 // MemLimit 0: unlimited
	CPUTotal                     uint64 // ns of CPU used so far
	PublicPort, PrivatePort      uint16
	// Started is when it last started (zero: two hours before the fake
	// started); start and restart reset it, so the status text moves as an
	// engine's does ("Up 3 seconds").
	Started time.Time
}

// Service is one fake swarm service.
type Service struct {
	ID, Name, Image  string
	Desired, Running uint64
	Global           bool
	UpdateState      string
}

// Options shape the engine.
type Options struct {
	// APIVersion is the engine's highest API version (default 1.51).
	APIVersion string
	// Podman makes it answer as Podman (version 5, API 1.41 by default).
	Podman bool
	// Swarm makes it a swarm manager serving Services.
	Swarm bool
}

// Engine is the fake.
type Engine struct {
	o  Options
	mu sync.Mutex
	cs []*Container
	ss []*Service
	// Requests counts requests by path pattern (for the cost benchmark).
	reqs map[string]int
	sys  uint64
	srv  *http.Server
	ln   net.Listener
	// Down makes every request fail with 500 (an engine in trouble).
	down bool
}

// New builds an engine with no containers.
func New(o Options) *Engine {
	if o.APIVersion == "" {
		o.APIVersion = "1.51"
		if o.Podman {
			o.APIVersion = "1.41"
		}
	}
	return &Engine{o: o, reqs: map[string]int{}, sys: 1e12}
}

// Add adds containers.
func (e *Engine) Add(cs ...*Container) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range cs {
		if c.ID == "" {
			sum := sha256.Sum256([]byte(c.Name))
			c.ID = hex.EncodeToString(sum[:])
		}
		e.cs = append(e.cs, c)
	}
}

// AddService adds a swarm service.
func (e *Engine) AddService(s *Service) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ss = append(e.ss, s)
}

// Container returns a copy of the container named name.
func (e *Engine) Container(name string) (Container, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.cs {
		if c.Name == name {
			return *c, true
		}
	}
	return Container{}, false
}

// Update changes a container under the lock.
func (e *Engine) Update(name string, f func(*Container)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.cs {
		if c.Name == name {
			f(c)
		}
	}
}

// SetDown makes the engine fail (true) or recover.
func (e *Engine) SetDown(down bool) {
	e.mu.Lock()
	e.down = down
	e.mu.Unlock()
}

// Requests returns the request counts by route and resets them.
func (e *Engine) Requests() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.reqs
	e.reqs = map[string]int{}
	return r
}

// Serve listens on the unix socket path and serves until Close.
func (e *Engine) Serve(path string) error {
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("fake engine: %w", err)
	}
	e.ln = ln
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return nil
}

// Close stops serving.
func (e *Engine) Close() error {
	if e.srv == nil {
		return nil
	}
	return e.srv.Close()
}

var (
	versionRE   = regexp.MustCompile(`^/v([0-9]+\.[0-9]+)(/.*)$`)
	containerRE = regexp.MustCompile(`^/containers/([^/]+)/(json|stats|start|stop|restart)$`)
)

// ServeHTTP routes the Engine API.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/_ping" {
		w.Header().Set("Api-Version", e.o.APIVersion)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("OK"))
		return
	}
	if m := versionRE.FindStringSubmatch(p); m != nil {
		if newer(m[1], e.o.APIVersion) {
			e.fail(w, http.StatusBadRequest, fmt.Sprintf("client version %s is too new. Maximum supported API version is %s", m[1], e.o.APIVersion))
			return
		}
		p = m[2]
	}
	e.mu.Lock()
	down := e.down
	route := p
	if m := containerRE.FindStringSubmatch(p); m != nil {
		route = "/containers/{id}/" + m[2]
	}
	e.reqs[r.Method+" "+route]++
	e.mu.Unlock()
	if down {
		e.fail(w, http.StatusInternalServerError, "fake engine is down")
		return
	}
	switch {
	case r.Method == http.MethodGet && p == "/version":
		e.json(w, e.version())
	case r.Method == http.MethodGet && p == "/info":
		e.json(w, e.info())
	case r.Method == http.MethodGet && p == "/containers/json":
		e.json(w, e.list(r.URL.Query().Get("all") == "1" || r.URL.Query().Get("all") == "true"))
	case r.Method == http.MethodGet && p == "/services":
		if !e.o.Swarm {
			if e.o.Podman {
				e.fail(w, http.StatusNotFound, "page not found")
			} else {
				e.fail(w, http.StatusServiceUnavailable, "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.")
			}
			return
		}
		e.json(w, e.services())
	default:
		m := containerRE.FindStringSubmatch(p)
		if m == nil {
			e.fail(w, http.StatusNotFound, "page not found")
			return
		}
		e.container(w, r, m[1], m[2])
	}
}

func newer(a, b string) bool {
	pa, pb := strings.SplitN(a, ".", 2), strings.SplitN(b, ".", 2)
	ma, _ := strconv.Atoi(pa[0])
	mb, _ := strconv.Atoi(pb[0])
	if ma != mb {
		return ma > mb
	}
	na, _ := strconv.Atoi(pa[1])
	nb, _ := strconv.Atoi(pb[1])
	return na > nb
}

func (e *Engine) json(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (e *Engine) fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"message": msg})
}

func (e *Engine) find(ref string) (*Container, error) {
	for _, c := range e.cs {
		if c.ID == ref || c.Name == ref || strings.HasPrefix(c.ID, ref) && len(ref) >= 12 {
			return c, nil
		}
	}
	return nil, errors.New("No such container: " + ref)
}

func (e *Engine) container(w http.ResponseWriter, r *http.Request, ref, op string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.find(ref)
	if err != nil {
		e.fail(w, http.StatusNotFound, err.Error())
		return
	}
	switch {
	case r.Method == http.MethodGet && op == "json":
		e.json(w, inspect(c))
	case r.Method == http.MethodGet && op == "stats":
		if c.State != "running" {
			// The engine answers a stopped container's one-shot stats with zeros.
			e.json(w, e.stats(c))
			return
		}
		e.sys += 2e10
		c.CPUTotal += 1e9
		e.json(w, e.stats(c))
	case r.Method == http.MethodPost && op == "start":
		if c.State == "running" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		c.State, c.ExitCode, c.OOMKilled, c.Started = "running", 0, false, time.Now()
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && op == "stop":
		if c.State != "running" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		c.State, c.ExitCode = "exited", 0
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && op == "restart":
		c.State, c.ExitCode, c.OOMKilled, c.Started = "running", 0, false, time.Now()
		c.Restarts++
		w.WriteHeader(http.StatusNoContent)
	default:
		e.fail(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// Populate adds n containers of a typical host: most running, a compose
// project, some exited.
func (e *Engine) Populate(n int) {
	for i := range n {
		c := &Container{ID: fmt.Sprintf("%064x", 0xc0000000+i), Name: fmt.Sprintf("app-%04d", i), Image: "nginx:1.27",
			ImageDigest: "sha256:" + strings.Repeat("ab", 32), State: "running", MemUsed: 64 << 20,
			Labels: map[string]string{"com.docker.compose.project": "bulk", "com.docker.compose.service": fmt.Sprintf("svc%d", i%10)}}
		if i%10 == 9 {
			c.State, c.ExitCode = "exited", 0
		}
		e.Add(c)
	}
}

// sortedContainers returns the containers by name (the caller holds mu).
func (e *Engine) sortedContainers() []*Container {
	cs := append([]*Container(nil), e.cs...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}
