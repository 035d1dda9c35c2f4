package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

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

// resourceParams are the query parameters of GET /api/v1/resources.
var resourceParams = []string{"type", "platform", "connection", "stale", "status", "q", "sort", "limit", "cursor"}

var resourceOrders = []listOrder[resource.Resource]{
	{"type", func(r resource.Resource) string { return string(r.Type) + "\x00" + strings.ToLower(r.Name) }},
	{"name", func(r resource.Resource) string { return strings.ToLower(r.Name) }},
	{"platform", func(r resource.Resource) string {
		return r.Platform + "\x00" + r.Connection + "\x00" + strings.ToLower(r.Name)
	}},
	{"status", func(r resource.Resource) string { return string(r.Status) + "\x00" + strings.ToLower(r.Name) }},
	{"last_seen", func(r resource.Resource) string { return timeKey(r.LastSeen) }},
	{"first_seen", func(r resource.Resource) string { return timeKey(r.FirstSeen) }},
}

func timeKey(t time.Time) string { return fmt.Sprintf("%020d", t.UnixNano()) }

// resources lists resources. Repeated filter parameters (or comma-separated
// values) mean "any of"; different parameters must all hold. q matches names
// and ids, case-insensitively.
func (s *Server) resources(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, resourceParams...); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	types, platforms, conns, statuses := multi(q, "type"), multi(q, "platform"), multi(q, "connection"), multi(q, "status")
	for _, t := range types {
		if !resource.IsCanonical(resource.Type(t)) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("type=%q is not a canonical resource type; use one of %s", t, typeNames()))
			return
		}
	}
	for _, p := range platforms {
		if _, ok := platform.Lookup(platform.ID(p)); !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("platform=%q is not a governed platform id", p))
			return
		}
	}
	for _, st := range statuses {
		if !resource.IsStatus(resource.Status(st)) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("status=%q is not a canonical status; use one of %s", st, statusNames()))
			return
		}
	}
	stale, err := parseBool(q, "stale")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	pg, err := parsePage(q, orderNames(resourceOrders), "type")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// One value per filter goes to the store; several are matched here.
	f := store.Filter{Stale: stale}
	if len(types) == 1 {
		f.Type = resource.Type(types[0])
	}
	if len(platforms) == 1 && len(conns) <= 1 {
		f.Platform = platforms[0]
	}
	if len(conns) == 1 && len(platforms) <= 1 {
		f.Connection = conns[0]
	}
	needle := strings.ToLower(q.Get("q"))
	// Filter, order and page the light index; build only the page.
	list := slices.DeleteFunc(s.store.Index(f), func(res resource.Resource) bool {
		if !anyOf(types, string(res.Type)) || !anyOf(statuses, string(res.Status)) {
			return true
		}
		if needle != "" && !strings.Contains(strings.ToLower(res.Name), needle) && !strings.Contains(strings.ToLower(res.ID), needle) {
			return true
		}
		if len(platforms)+len(conns) == 0 {
			return false
		}
		for _, src := range res.Sources {
			if anyOf(platforms, src.Platform) && anyOf(conns, src.Connection) {
				return false
			}
		}
		return true
	})
	total := len(list)
	idx, next := page(list, resourceOrders, func(r resource.Resource) string { return r.ID }, pg)
	out := s.whole(idx)
	body := map[string]any{"count": len(out), "total": total, "resources": out}
	if next != "" {
		body["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

// whole returns the resources of idx (index entries) built whole, in idx's
// order. One that went away since the index was read is left out.
func (s *Server) whole(idx []resource.Resource) []resource.Resource {
	if len(idx) == 0 {
		return []resource.Resource{}
	}
	ids := make([]string, len(idx))
	for i, r := range idx {
		ids[i] = r.ID
	}
	byID := make(map[string]int, len(ids))
	for i, id := range ids {
		byID[id] = i
	}
	built := s.store.Resources(store.Filter{IDs: ids})
	slices.SortFunc(built, func(a, b resource.Resource) int { return byID[a.ID] - byID[b.ID] })
	return built
}

func orderNames[T any](os []listOrder[T]) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.name)
	}
	return out
}

func statusNames() string {
	var s []string
	for _, t := range resource.Statuses {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

// resourceDetail is one resource with what hangs off it.
type resourceDetail struct {
	resource.Resource
	Metrics        []resource.Metric        `json:"metrics"`
	Alerts         []resource.Alert         `json:"alerts"`
	RecoveryPoints []resource.RecoveryPoint `json:"recovery_points"`
	// Related names the resources the relationships point at, by id.
	Related map[string]relatedRef `json:"related"`
}

// relatedRef is what a page needs to show a link to a related resource.
type relatedRef struct {
	Name string        `json:"name"`
	Type resource.Type `json:"type"`
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
		Related:        map[string]relatedRef{},
	}
	for _, rel := range res.Relationships {
		if t, ok := s.store.Resource(rel.Target); ok {
			d.Related[rel.Target] = relatedRef{Name: t.Name, Type: t.Type}
		}
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "resource", "platform", "connection", "include_cleared", "severity", "q", "sort", "limit", "cursor"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	inc, err := parseBool(q, "include_cleared")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	pg, err := parsePage(q, orderNames(alertOrders), "-started")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var f store.AlertFilter
	if inc != nil {
		f.IncludeCleared = *inc
	}
	res, plats, conns, sevs := multi(q, "resource"), multi(q, "platform"), multi(q, "connection"), multi(q, "severity")
	needle := strings.ToLower(q.Get("q"))
	list := slices.DeleteFunc(s.store.Alerts(f), func(a resource.Alert) bool {
		return !anyOf(res, a.Resource) || !anyOf(plats, a.Platform) || !anyOf(conns, a.Connection) || !anyOf(sevs, string(a.Severity)) ||
			(needle != "" && !strings.Contains(strings.ToLower(a.Message+" "+a.Kind), needle))
	})
	total := len(list)
	out, next := page(list, alertOrders, func(a resource.Alert) string { return a.ID }, pg)
	body := map[string]any{"count": len(out), "total": total, "alerts": out}
	if next != "" {
		body["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) recoveryPoints(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "resource", "kind", "sort", "limit", "cursor"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	pg, err := parsePage(q, orderNames(rpOrders), "-time")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res := multi(q, "resource")
	var list []resource.RecoveryPoint
	if len(res) == 1 {
		list = s.store.RecoveryPoints(res[0])
	} else {
		list = s.store.RecoveryPoints("")
	}
	kinds := multi(q, "kind")
	list = slices.DeleteFunc(list, func(p resource.RecoveryPoint) bool { return !anyOf(res, p.Resource) || !anyOf(kinds, string(p.Kind)) })
	total := len(list)
	out, next := page(list, rpOrders, func(p resource.RecoveryPoint) string { return p.ID }, pg)
	body := map[string]any{"count": len(out), "total": total, "recovery_points": out}
	if next != "" {
		body["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
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

var alertOrders = []listOrder[resource.Alert]{
	{"started", func(a resource.Alert) string { return timeKey(a.Started) }},
	{"severity", func(a resource.Alert) string { return severityRank(a.Severity) + timeKey(a.Started) }},
	{"kind", func(a resource.Alert) string { return a.Kind }},
}

func severityRank(s resource.Severity) string {
	switch s {
	case "critical":
		return "3"
	case "warning":
		return "2"
	default:
		return "1"
	}
}

var rpOrders = []listOrder[resource.RecoveryPoint]{
	{"time", func(p resource.RecoveryPoint) string { return timeKey(p.Time) }},
	{"size", func(p resource.RecoveryPoint) string { return fmt.Sprintf("%020d", p.SizeBytes) }},
}
