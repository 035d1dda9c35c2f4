package api

import (
	"net/http"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// summary serves GET /api/v1/summary: resource counts by platform (of the
// primary source), type, status and staleness, and active alerts by
// severity, so an overview need not page through every resource.
func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	byPlatform, byType, byStatus := map[string]int{}, map[string]int{}, map[string]int{}
	stale := 0
	list := s.store.Heads()
	for _, res := range list {
		byPlatform[res.Platform]++
		byType[string(res.Type)]++
		byStatus[string(res.Status)]++
		if res.Stale {
			stale++
		}
	}
	alerts := map[string]int{}
	for _, a := range s.store.Alerts(store.AlertFilter{}) {
		alerts[string(a.Severity)]++
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resources": len(list), "stale": stale,
		"by_platform": byPlatform, "by_type": byType, "by_status": byStatus, "alerts": alerts,
	})
}

// vocabulary serves GET /api/v1/vocabulary: the canonical metric vocabulary
// (name, unit, kind, resource types, doc), so a page knows which metrics
// have history and how to show them.
func (s *Server) vocabulary(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"metrics": resource.Metrics})
}
