// Package api serves the core's HTTP JSON API under /api/v1/, plus /healthz
// and Prometheus /metrics. It reads the store and the plugin host, which own
// all state; the one write, a control action, goes through the control path
// (package control), which checks and audits it.
package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// Store is what the API reads from the unified store.
type Store interface {
	Resources(store.Filter) []resource.Resource
	// Index is the light copy lists filter, order and page on, so that
	// only the page answered is built whole.
	Index(store.Filter) []resource.Resource
	Counts() []store.Count
	Resource(id string) (resource.Resource, bool)
	Alerts(store.AlertFilter) []resource.Alert
	RecoveryPoints(resourceID string) []resource.RecoveryPoint
	Metrics(resourceID string) []resource.Metric
	// Heads and MetricsByName are the cheap reads of the /metrics export.
	Heads() []store.Head
	MetricsByName() map[string][]resource.Metric
}

// Host is what the API reads from the plugin host.
type Host interface {
	Connections() []pluginhost.ConnStatus
	Plugins() []pluginhost.PluginStatus
}

// Server is the HTTP API.
type Server struct {
	store   Store
	host    Host
	log     hclog.Logger
	version string
	started time.Time
	control Control
	// agentList answers GET /api/v1/agents (agents.go).
	agentList Agents
	// history, feed, ui and extra are optional (see extend.go).
	history HistoryReader
	feed    *Feed
	ui      http.Handler
	extra   []route
	// mounted are routes other core parts serve (Mount); one may replace a
	// built-in route of the same pattern (the alerts engine takes over
	// GET /api/v1/alerts).
	mounted map[string]http.HandlerFunc
}

// Mount adds routes (ServeMux patterns) served by another core part.
func (s *Server) Mount(routes map[string]http.HandlerFunc) {
	if s.mounted == nil {
		s.mounted = map[string]http.HandlerFunc{}
	}
	for p, h := range routes {
		s.mounted[p] = h
	}
}

// New builds the API server.
func New(s Store, h Host, log hclog.Logger, version string) *Server {
	return &Server{store: s, host: h, log: log.Named("api"), version: version, started: time.Now()}
}

// Handler returns the routed handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	var patterns []string
	handle := func(p string, h http.Handler) { mux.Handle(p, h); patterns = append(patterns, p) }
	handle("GET /healthz", http.HandlerFunc(s.healthz))
	handle("GET /metrics", http.HandlerFunc(s.metrics))
	handle("GET /api/v1/platforms", http.HandlerFunc(s.platforms))
	handle("GET /api/v1/connections", http.HandlerFunc(s.connections))
	handle("GET /api/v1/plugins", http.HandlerFunc(s.plugins))
	handle("GET /api/v1/resources", http.HandlerFunc(s.resources))
	handle("GET /api/v1/resources/{id}", http.HandlerFunc(s.resourceByID))
	if s.mounted["GET /api/v1/alerts"] == nil {
		handle("GET /api/v1/alerts", http.HandlerFunc(s.alerts))
	}
	handle("GET /api/v1/recovery-points", http.HandlerFunc(s.recoveryPoints))
	handle("POST /api/v1/resources/{id}/actions", http.HandlerFunc(s.postAction))
	handle("GET /api/v1/actions", http.HandlerFunc(s.listActions))
	handle("GET /api/v1/agents", http.HandlerFunc(s.agents))
	handle("GET /api/v1/resources/{id}/history", http.HandlerFunc(s.resourceHistory))
	handle("GET /api/v1/summary", http.HandlerFunc(s.summary))
	handle("GET /api/v1/vocabulary", http.HandlerFunc(s.vocabulary))
	if s.feed != nil {
		handle("GET /api/v1/events", s.feed)
	}
	for p, h := range s.mounted {
		handle(p, h)
	}
	for _, r := range s.extra {
		handle(r.pattern, r.h)
	}
	mux.HandleFunc("/", s.fallback(mux, collections(patterns)))
	return s.logRequests(mux)
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		s.log.Trace("request", "method", r.Method, "path", r.URL.Path, "duration", time.Since(start))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// checkParams refuses query parameters the endpoint does not know.
func checkParams(q url.Values, allowed ...string) error {
	for k := range q {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return fmt.Errorf("unknown query parameter %q; this endpoint takes none", k)
			}
			return fmt.Errorf("unknown query parameter %q; valid parameters are %s", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func parseBool(q url.Values, name string) (*bool, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("%s=%q is not a boolean; use true or false", name, v)
	}
	return &b, nil
}
