package api

import (
	"context"
	"net/http"

	"github.com/pulsehost/pulse/core/internal/agentgw"
)

// Agents lists enrolled pulse-agents for GET /api/v1/agents.
type Agents interface {
	List(ctx context.Context) ([]agentgw.Agent, error)
}

// WithAgents makes the server answer GET /api/v1/agents from a.
func (s *Server) WithAgents(a Agents) *Server {
	s.agentList = a
	return s
}

func (s *Server) agents(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "GET /api/v1/agents takes no query parameters")
		return
	}
	if s.agentList == nil {
		writeJSON(w, http.StatusOK, agentsResponse{Agents: []agentgw.Agent{}})
		return
	}
	list, err := s.agentList.List(r.Context())
	if err != nil {
		s.log.Error("list agents", "error", err)
		writeError(w, http.StatusInternalServerError, "listing agents failed; see the core's log")
		return
	}
	if list == nil {
		list = []agentgw.Agent{}
	}
	writeJSON(w, http.StatusOK, agentsResponse{Count: len(list), Agents: list})
}

// agentsResponse is GET /api/v1/agents' answer, shaped like the other lists.
type agentsResponse struct {
	Count  int             `json:"count"`
	Agents []agentgw.Agent `json:"agents"`
}
