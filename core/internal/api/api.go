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
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /api/v1/platforms", s.platforms)
	mux.HandleFunc("GET /api/v1/connections", s.connections)
	mux.HandleFunc("GET /api/v1/plugins", s.plugins)
	mux.HandleFunc("GET /api/v1/resources", s.resources)
	mux.HandleFunc("GET /api/v1/resources/{id}", s.resourceByID)
	if s.mounted["GET /api/v1/alerts"] == nil {
		mux.HandleFunc("GET /api/v1/alerts", s.alerts)
	}
	mux.HandleFunc("GET /api/v1/recovery-points", s.recoveryPoints)
	mux.HandleFunc("POST /api/v1/resources/{id}/actions", s.postAction)
	mux.HandleFunc("GET /api/v1/actions", s.listActions)
	mux.HandleFunc("GET /api/v1/agents", s.agents)
	mux.HandleFunc("GET /api/v1/resources/{id}/history", s.resourceHistory)
	mux.HandleFunc("GET /api/v1/summary", s.summary)
	mux.HandleFunc("GET /api/v1/vocabulary", s.vocabulary)
	if s.feed != nil {
		mux.Handle("GET /api/v1/events", s.feed)
	}
	for p, h := range s.mounted {
		mux.HandleFunc(p, h)
	}
	for _, r := range s.extra {
		mux.HandleFunc(r.pattern, r.h)
	}
	mux.HandleFunc("/", s.fallback(mux))
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
