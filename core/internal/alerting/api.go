package alerting

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/internal/alerts"
	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/notify"
)

// Routes are the API routes the runner serves, by ServeMux pattern.
func (r *Runner) Routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /api/v1/alerts":                 r.list,
		"GET /api/v1/alerts/history":         r.history,
		"GET /api/v1/alerts/rules":           r.rules,
		"GET /api/v1/alerts/deliveries":      r.deliveries,
		"POST /api/v1/alerts/ack":            r.ack,
		"POST /api/v1/alerts/unack":          r.unack,
		"POST /api/v1/alerts/{id}/ack":       r.ack,
		"POST /api/v1/alerts/{id}/unack":     r.unack,
		"GET /api/v1/silences":               r.silences,
		"POST /api/v1/silences":              r.createSilence,
		"PUT /api/v1/silences/{id}":          r.updateSilence,
		"DELETE /api/v1/silences/{id}":       r.deleteSilence,
		"GET /api/v1/notifiers":              r.notifiers,
		"POST /api/v1/notifiers/{name}/test": r.testNotifier,
		"GET /api/v1/notifications":          r.notifications,
	}
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

func oneOf(q url.Values, name string, valid ...string) (string, error) {
	v := q.Get(name)
	if v != "" && !slices.Contains(valid, v) {
		return "", fmt.Errorf("%s %q is not valid; use one of %s", name, v, strings.Join(valid, ", "))
	}
	return v, nil
}

func boolParam(q url.Values, name string) (*bool, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a boolean; use true or false", name, v)
	}
	return &b, nil
}

// list serves the active (pending and firing) alerts with filters.
func (r *Runner) list(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	params := []string{"state", "severity", "source", "platform", "connection", "type", "resource", "acknowledged", "silenced", "include_cleared", "limit", "cursor"}
	if err := checkParams(q, params...); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	state, err1 := oneOf(q, "state", "pending", "firing", "resolved")
	sev, err2 := oneOf(q, "severity", "info", "warning", "critical")
	src, err3 := oneOf(q, "source", alerts.SourceRule, alerts.SourcePlatform, alerts.SourceConnection, alerts.SourcePlugin, alerts.SourceStale, alerts.SourceBackup, alerts.SourceAgent)
	acked, err4 := boolParam(q, "acknowledged")
	silenced, err5 := boolParam(q, "silenced")
	cleared, err6 := boolParam(q, "include_cleared")
	limit, offset, err7 := pageParams(q)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	all := r.Engine.Active()
	if (cleared != nil && *cleared) || state == "resolved" {
		// Also the alerts resolved in the last 24 hours (history holds more).
		h, err := r.DB.History(req.Context(), alerts.HistoryFilter{Since: r.now().Add(-24 * time.Hour), Limit: 10000})
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		seen := map[string]bool{}
		for _, a := range all {
			seen[a.ID] = true
		}
		for _, ev := range h { // newest first: the latest transition decides
			if !seen[ev.Alert.ID] {
				seen[ev.Alert.ID] = true
				if ev.Alert.State == alerts.StateResolved && ev.What == "resolved" {
					all = append(all, ev.Alert)
				}
			}
		}
	}
	out := []alerts.Alert{}
	for _, a := range all {
		switch {
		case state != "" && string(a.State) != state, sev != "" && a.Severity != sev, src != "" && a.Source != src,
			q.Get("platform") != "" && a.Platform != q.Get("platform"),
			q.Get("connection") != "" && a.Connection != q.Get("connection"),
			q.Get("type") != "" && a.ResourceType != q.Get("type"),
			q.Get("resource") != "" && a.Resource != q.Get("resource"),
			acked != nil && (a.Ack != nil) != *acked,
			silenced != nil && a.Silenced != *silenced:
			continue
		}
		out = append(out, a)
	}
	sortAlerts(out)
	total := len(out)
	out = out[min(offset, total):min(offset+limit, total)]
	body := map[string]any{"count": len(out), "total": total, "alerts": out}
	if offset+limit < total {
		body["next_cursor"] = strconv.Itoa(offset + limit)
	}
	writeJSON(w, http.StatusOK, body)
}

// Page sizes of GET /api/v1/alerts.
const (
	defaultAlertLimit = 500
	maxAlertLimit     = 10000
)

// pageParams reads limit (1 to maxAlertLimit, default defaultAlertLimit)
// and cursor (the next_cursor of the page before).
func pageParams(q url.Values) (limit, offset int, err error) {
	limit = defaultAlertLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAlertLimit {
			return 0, 0, fmt.Errorf("limit %q must be a whole number from 1 to %d", s, maxAlertLimit)
		}
		limit = n
	}
	if s := q.Get("cursor"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("cursor %q is not a next_cursor this API returned", s)
		}
		offset = n
	}
	return limit, offset, nil
}

// sortAlerts orders a list as operators read it: firing, then pending,
// then resolved; within each the most severe first, then the newest.
func sortAlerts(list []alerts.Alert) {
	stateRank := map[alerts.State]int{alerts.StateFiring: 0, alerts.StatePending: 1, alerts.StateResolved: 2}
	sevRank := map[string]int{"critical": 0, "warning": 1, "info": 2}
	slices.SortStableFunc(list, func(a, b alerts.Alert) int {
		if d := stateRank[a.State] - stateRank[b.State]; d != 0 {
			return d
		}
		if d := sevRank[a.Severity] - sevRank[b.Severity]; d != 0 {
			return d
		}
		if c := b.Since.Compare(a.Since); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func (r *Runner) history(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	if err := checkParams(q, "alert", "since", "limit"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := alerts.HistoryFilter{AlertID: q.Get("alert")}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			d, derr := time.ParseDuration(s)
			if derr != nil || d <= 0 {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("since %q is neither an RFC 3339 time nor a duration like 24h", s))
				return
			}
			t = r.now().Add(-d)
		}
		f.Since = t
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q must be a whole number from 1 to 10000", s))
			return
		}
		f.Limit = n
	}
	h, err := r.DB.History(req.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (r *Runner) rules(w http.ResponseWriter, req *http.Request) {
	if err := checkParams(req.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, r.Engine.Rules())
}

func (r *Runner) deliveries(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	if err := checkParams(q, "alert"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if q.Get("alert") == "" {
		writeError(w, http.StatusBadRequest, "alert is required: GET /api/v1/alerts/deliveries?alert=<alert id>")
		return
	}
	ds, err := r.Notify.Outbox.Deliveries(req.Context(), notify.DeliveryFilter{AlertID: q.Get("alert")})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, ds)
}

// decode reads a JSON body strictly.
func decode(req *http.Request, v any, example string) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, req.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body is not valid: %v; send JSON like %s", err, example)
	}
	return nil
}

type ackBody struct {
	ID      string `json:"id"`
	By      string `json:"by"`
	Comment string `json:"comment"`
}

func (r *Runner) ack(w http.ResponseWriter, req *http.Request)   { r.doAck(w, req, true) }
func (r *Runner) unack(w http.ResponseWriter, req *http.Request) { r.doAck(w, req, false) }

func (r *Runner) doAck(w http.ResponseWriter, req *http.Request, on bool) {
	var b ackBody
	// POST /api/v1/alerts/{id}/ack (the dashboard) names the alert in the
	// path, and its body is optional; "by" defaults to who signed in.
	pathID := req.PathValue("id")
	if pathID == "" || req.ContentLength != 0 {
		if err := decode(req, &b, `{"id": "<alert id>", "by": "ann", "comment": "looking into it"}`); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if pathID != "" {
		if b.ID != "" && b.ID != pathID {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("the body's id %q differs from the path's %q; send one", b.ID, pathID))
			return
		}
		b.ID = pathID
	}
	if b.By == "" {
		if p, ok := auth.FromContext(req.Context()); ok {
			b.By = p.String()
		} else if pathID != "" {
			b.By = "dashboard"
		}
	}
	if b.ID == "" || b.By == "" {
		writeError(w, http.StatusBadRequest, `id and by are required: {"id": "<alert id>", "by": "ann", "comment": "..."}`)
		return
	}
	var evs []alerts.Event
	var err error
	if on {
		evs, err = r.Engine.Acknowledge(b.ID, b.By, b.Comment, r.now())
	} else {
		evs, err = r.Engine.Unacknowledge(b.ID, b.By, r.now())
	}
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, alerts.ErrNotFound) {
			status = http.StatusNotFound
		}
		writeError(w, status, err.Error())
		return
	}
	if err := r.Commit(req.Context(), evs); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	a, _ := r.Engine.Get(b.ID)
	writeJSON(w, http.StatusOK, a)
}

func (r *Runner) silences(w http.ResponseWriter, req *http.Request) {
	if err := checkParams(req.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s, err := r.DB.Silences(req.Context(), r.now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// silenceBody is a silence as a client submits it: ends_at or duration.
type silenceBody struct {
	Matcher   alerts.Matcher `json:"matcher"`
	StartsAt  time.Time      `json:"starts_at"`
	EndsAt    time.Time      `json:"ends_at"`
	Duration  string         `json:"duration"`
	CreatedBy string         `json:"created_by"`
	Comment   string         `json:"comment"`
}

const silenceExample = `{"matcher": {"resource": "<resource id>"}, "duration": "2h", "created_by": "ann", "comment": "maintenance"}`

func (r *Runner) parseSilence(req *http.Request) (alerts.Silence, error) {
	var b silenceBody
	if err := decode(req, &b, silenceExample); err != nil {
		return alerts.Silence{}, err
	}
	now := r.now()
	s := alerts.Silence{Matcher: b.Matcher, StartsAt: b.StartsAt, EndsAt: b.EndsAt, CreatedBy: b.CreatedBy, Comment: b.Comment}
	if b.Duration != "" {
		d, err := time.ParseDuration(b.Duration)
		if err != nil || d <= 0 {
			return s, fmt.Errorf("duration %q is not a positive duration like 2h", b.Duration)
		}
		if !s.EndsAt.IsZero() {
			return s, fmt.Errorf("give ends_at or duration, not both")
		}
		start := s.StartsAt
		if start.IsZero() {
			start = now
		}
		s.EndsAt = start.Add(d)
	}
	if err := s.Validate(now); err != nil {
		return s, fmt.Errorf("%w; e.g. %s", err, silenceExample)
	}
	return s, nil
}

func (r *Runner) createSilence(w http.ResponseWriter, req *http.Request) {
	s, err := r.parseSilence(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := r.DB.PutSilence(req.Context(), &s, r.now()); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	_ = r.reloadSilences(req.Context())
	writeJSON(w, http.StatusCreated, s)
}

func (r *Runner) findSilence(req *http.Request, id string) (*alerts.Silence, error) {
	all, err := r.DB.Silences(req.Context(), time.Time{})
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, nil
}

func (r *Runner) updateSilence(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	old, err := r.findSilence(req, id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if old == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no silence %q; list them with GET /api/v1/silences", id))
		return
	}
	s, err := r.parseSilence(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.ID, s.CreatedAt = old.ID, old.CreatedAt
	if err := r.DB.PutSilence(req.Context(), &s, r.now()); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	_ = r.reloadSilences(req.Context())
	writeJSON(w, http.StatusOK, s)
}

func (r *Runner) deleteSilence(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	ok, err := r.DB.DeleteSilence(req.Context(), id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no silence %q; list them with GET /api/v1/silences", id))
		return
	}
	_ = r.reloadSilences(req.Context())
	w.WriteHeader(http.StatusNoContent)
}

func (r *Runner) notifiers(w http.ResponseWriter, req *http.Request) {
	if err := checkParams(req.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, r.Notify.Describe())
}

func (r *Runner) testNotifier(w http.ResponseWriter, req *http.Request) {
	d, err := r.Notify.Test(req.Context(), req.PathValue("name"), r.now())
	switch {
	case errors.Is(err, notify.ErrUnknownNotifier):
		writeError(w, http.StatusNotFound, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	case d.State == notify.StateDone:
		writeJSON(w, http.StatusOK, d)
	default:
		writeJSON(w, http.StatusBadGateway, d)
	}
}

func (r *Runner) notifications(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	if err := checkParams(q, "state", "alert", "limit"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := oneOf(q, "state", notify.StatePending, notify.StateDone, notify.StateDead)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := notify.DeliveryFilter{State: st, AlertID: q.Get("alert")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q must be a whole number from 1 to 1000", s))
			return
		}
		f.Limit = n
	}
	ds, err := r.Notify.Outbox.Deliveries(req.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, ds)
}
