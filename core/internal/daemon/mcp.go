package daemon

import (
	"context"
	"net/http"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/mcp"
)

// MCPPath is where the assistant surface (streamable HTTP) is served on the
// API listener.
const MCPPath = "/mcp"

// WithMCP serves the assistant surface at /mcp beside the API. Its tools read
// the API through apiHandler directly, so they answer exactly what the API
// answers. MCP streams end when ctx ends, so shutdown does not wait on them.
func WithMCP(ctx context.Context, apiHandler http.Handler, log hclog.Logger, version string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(MCPPath, MCPHandler(ctx, apiHandler, log, version))
	mux.Handle("/", apiHandler)
	return mux
}

// MCPHandler is the /mcp endpoint alone: its tools call backend (the API
// handler, behind authentication in the daemon, with the MCP caller's own
// Authorization forwarded, so a read token cannot act through run_action).
func MCPHandler(ctx context.Context, backend http.Handler, log hclog.Logger, version string) http.Handler {
	h := mcp.New(mcp.InProcess(backend), log, version).HTTPHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		h.ServeHTTP(w, r.WithContext(rctx))
	})
}
