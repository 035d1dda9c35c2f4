package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pulsehost/pulse/core/internal/control"
)

// Control is the control path the API calls (*control.Service).
type Control interface {
	Request(ctx context.Context, req control.Request) (control.Result, error)
	List(ctx context.Context, f control.Filter) ([]control.Result, error)
}

// WithControl wires the control path behind POST
// /api/v1/resources/{id}/actions and GET /api/v1/actions.
func (s *Server) WithControl(c Control) *Server {
	s.control = c
	return s
}

// ActorHeader lets a client (the CLI, a script) name who asks; the API
// records it as claimed, beside the address the request came from.
const ActorHeader = "X-Pulse-Actor"

// maxActionBody bounds an action request's body.
const maxActionBody = 64 << 10

// actionRequest is the body of POST /api/v1/resources/{id}/actions.
type actionRequest struct {
	Action string         `json:"action"`
	Params map[string]any `json:"params"`
	// DryRun runs every check without acting (outcome "planned").
	DryRun bool `json:"dry_run"`
}

// actionResponse is the result, with the error text when it did not succeed.
type actionResponse struct {
	control.Result
	Error string `json:"error,omitempty"`
}

func (s *Server) postAction(w http.ResponseWriter, r *http.Request) {
	if s.control == nil {
		writeError(w, http.StatusServiceUnavailable, "control is not available in this core")
		return
	}
	if err := checkParams(r.URL.Query()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxActionBody))
	dec.DisallowUnknownFields()
	var body actionRequest
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the body is not an action request (%v); send {\"action\": \"restart\", \"params\": {}}", err))
		return
	}
	if body.Action == "" {
		writeError(w, http.StatusBadRequest, `the body names no action; send {"action": "restart", "params": {}}`)
		return
	}
	actor := "api " + r.RemoteAddr
	if claimed := strings.TrimSpace(r.Header.Get(ActorHeader)); claimed != "" {
		actor = fmt.Sprintf("%s (claimed) via %s", claimed, actor)
	}
	// The action runs to its end (bounded by the control timeout) and is
	// audited even when the client goes away.
	res, err := s.control.Request(context.WithoutCancel(r.Context()),
		control.Request{Actor: actor, ResourceID: r.PathValue("id"), Action: body.Action, Params: body.Params, DryRun: body.DryRun})
	out := actionResponse{Result: res}
	status := http.StatusOK
	if err != nil {
		out.Error = err.Error()
		switch {
		case errors.Is(err, control.ErrNotFound):
			status = http.StatusNotFound
		case errors.Is(err, control.ErrInvalid):
			status = http.StatusBadRequest
		case errors.Is(err, control.ErrRefused):
			status = http.StatusForbidden
		default:
			status = http.StatusBadGateway
		}
	}
	writeJSON(w, status, out)
}

func (s *Server) listActions(w http.ResponseWriter, r *http.Request) {
	if s.control == nil {
		writeError(w, http.StatusServiceUnavailable, "control is not available in this core")
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, "resource", "limit"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := control.Filter{Resource: q.Get("resource")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit=%q is not valid; use a whole number from 1 to 1000", v))
			return
		}
		f.Limit = n
	}
	list, err := s.control.List(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "actions": list})
}
