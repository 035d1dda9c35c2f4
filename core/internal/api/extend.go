package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pulsehost/pulse/core/internal/history"
	"github.com/pulsehost/pulse/core/resource"
)

// HistoryReader answers metric history queries (*history.History).
type HistoryReader interface {
	Query(ctx context.Context, resourceID, metric, rangeName string, points int) (history.Result, error)
}

// WithHistory serves GET /api/v1/resources/{id}/history from h.
func (s *Server) WithHistory(h HistoryReader) *Server { s.history = h; return s }

// WithFeed serves the live change feed GET /api/v1/events from f.
func (s *Server) WithFeed(f *Feed) *Server { s.feed = f; return s }

// WithUI serves h (the dashboard) for GET requests no API route takes.
func (s *Server) WithUI(h http.Handler) *Server { s.ui = h; return s }

// Route adds a route (a net/http pattern such as "POST /api/v1/x/{id}")
// served beside the built-in ones; call it before Handler.
func (s *Server) Route(pattern string, h http.HandlerFunc) *Server {
	s.extra = append(s.extra, route{pattern, h})
	return s
}

type route struct {
	pattern string
	h       http.HandlerFunc
}

// fallback answers what no route took: the dashboard for GET outside /api/,
// 405 with Allow when the path has routes for other methods (204 with Allow
// for OPTIONS), else 404.
func (s *Server) fallback(mux *http.ServeMux, collections []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, pat := mux.Handler(r2); pat != "/" && pat != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 && !slices.Contains(allow, r.Method) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
			return
		}
		if s.ui != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasPrefix(r.URL.Path, "/api/") {
			s.ui.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s; the API lives under /api/v1/ (%s), plus /healthz and /metrics", r.Method, r.URL.Path, strings.Join(collections, ", ")))
	}
}

// collections are the first path segments under /api/v1/ of patterns,
// sorted and once each: what a 404 lists as the API's collections.
func collections(patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if _, path, ok := strings.Cut(p, " "); ok {
			p = path
		}
		rest, ok := strings.CutPrefix(p, "/api/v1/")
		if !ok {
			continue
		}
		seg, _, _ := strings.Cut(rest, "/")
		if seg != "" && !slices.Contains(out, seg) {
			out = append(out, seg)
		}
	}
	slices.Sort(out)
	return out
}

// resourceHistory serves GET /api/v1/resources/{id}/history.
func (s *Server) resourceHistory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "metric", "range", "points"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if s.history == nil {
		writeError(w, http.StatusServiceUnavailable, "metric history is not enabled in this core")
		return
	}
	id := r.PathValue("id")
	if _, ok := s.store.Resource(id); !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no resource with id %q; list ids with GET /api/v1/resources", id))
		return
	}
	metric := q.Get("metric")
	if _, ok := resource.LookupMetric(metric); !ok {
		var names []string
		for _, d := range resource.Metrics {
			names = append(names, d.Name)
		}
		writeError(w, http.StatusBadRequest, fmt.Sprintf("metric=%q is not in the metric vocabulary; use one of %s", metric, strings.Join(names, ", ")))
		return
	}
	rng := q.Get("range")
	if rng == "" {
		rng = "1h"
	}
	if _, err := history.ParseRange(rng); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	points := history.DefaultPoints
	if v := q.Get("points"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > history.MaxPoints {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("points=%q is not a point count; use a number from 2 to %d", v, history.MaxPoints))
			return
		}
		points = n
	}
	res, err := s.history.Query(r.Context(), id, metric, rng, points)
	if err != nil {
		s.log.Error("history query failed", "resource", id, "metric", metric, "error", err)
		writeError(w, http.StatusInternalServerError, "history query failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}
