package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.version, "uptime_seconds": int(timeSince(s.started).Seconds())})
}

func (s *Server) platforms(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"platforms": platform.Views()})
}

func (s *Server) connections(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"connections": s.host.Connections()})
}

func (s *Server) plugins(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"plugins": s.host.Plugins()})
}

func (s *Server) resources(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "type", "platform", "connection", "stale"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := store.Filter{Type: resource.Type(q.Get("type")), Platform: q.Get("platform"), Connection: q.Get("connection")}
	if f.Type != "" && !resource.IsCanonical(f.Type) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("type=%q is not a canonical resource type; use one of %s", f.Type, typeNames()))
		return
	}
	if f.Platform != "" {
		if _, ok := platform.Lookup(platform.ID(f.Platform)); !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("platform=%q is not a governed platform id", f.Platform))
			return
		}
	}
	stale, err := parseBool(q, "stale")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f.Stale = stale
	list := s.store.Resources(f)
	if list == nil {
		list = []resource.Resource{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "resources": list})
}

// resourceDetail is one resource with what hangs off it.
type resourceDetail struct {
	resource.Resource
	Metrics        []resource.Metric        `json:"metrics"`
	Alerts         []resource.Alert         `json:"alerts"`
	RecoveryPoints []resource.RecoveryPoint `json:"recovery_points"`
}

func (s *Server) resourceByID(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	res, ok := s.store.Resource(id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no resource with id %q; list ids with GET /api/v1/resources", id))
		return
	}
	d := resourceDetail{
		Resource:       res,
		Metrics:        nonNil(s.store.Metrics(id)),
		Alerts:         nonNil(s.store.Alerts(store.AlertFilter{Resource: id})),
		RecoveryPoints: nonNil(s.store.RecoveryPoints(id)),
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "resource", "platform", "connection", "include_cleared"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	inc, err := parseBool(q, "include_cleared")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := store.AlertFilter{Resource: q.Get("resource"), Platform: q.Get("platform"), Connection: q.Get("connection")}
	if inc != nil {
		f.IncludeCleared = *inc
	}
	list := nonNil(s.store.Alerts(f))
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "alerts": list})
}

func (s *Server) recoveryPoints(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "resource"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	list := nonNil(s.store.RecoveryPoints(q.Get("resource")))
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "recovery_points": list})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func typeNames() string {
	var s []string
	for _, t := range resource.Types {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}
