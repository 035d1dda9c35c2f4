package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Server answers the assistant tools from the core's API through a Backend.
type Server struct {
	api     coreAPI
	log     hclog.Logger
	version string

	mu     sync.Mutex
	srv    *gomcp.Server
	catKey string
}

// New builds the assistant surface over b.
func New(b Backend, log hclog.Logger, version string) *Server {
	return &Server{api: coreAPI{b: b}, log: log.Named("mcp"), version: version}
}

// handlerFunc is one tool's implementation: it returns the value to send as
// the tool's JSON text, or an error for an isError result.
type handlerFunc func(ctx context.Context, a args) (any, error)

// tool is one tool's definition and implementation.
type tool struct {
	def    *gomcp.Tool
	params []string
	run    handlerFunc
}

// catalogue reads the actions the running plugins declare now.
func (s *Server) catalogue(ctx context.Context) (catalogue, error) {
	plugins, err := s.api.plugins(ctx)
	if err != nil {
		return catalogue{}, fmt.Errorf("read the actions the plugins declare: %w", err)
	}
	return newCatalogue(plugins), nil
}

// MCPServer returns the MCP server with the seven tools. Descriptions are
// derived from the governed model and from the actions the running plugins
// declare; when those have changed since the last call, run_action is
// redefined and connected sessions are told the tool list changed. Tool
// handlers read the declared actions afresh on every call.
func (s *Server) MCPServer(ctx context.Context) *gomcp.Server {
	cat, err := s.catalogue(ctx)
	if err != nil {
		s.log.Warn("run_action's description offers no actions until the core answers", "error", err)
	}
	key := cat.key()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		srv := gomcp.NewServer(&gomcp.Implementation{Name: "pulse", Title: "Pulse platform host", Version: s.version},
			&gomcp.ServerOptions{Instructions: instructions()})
		tools := s.tools(cat)
		names := make([]string, len(tools))
		for i, t := range tools {
			names[i] = t.def.Name
			srv.AddTool(t.def, s.wrap(t))
		}
		srv.AddReceivingMiddleware(unknownTool(names))
		s.srv, s.catKey = srv, key
	} else if key != s.catKey {
		t := s.runActionTool(cat)
		s.srv.AddTool(t.def, s.wrap(t))
		s.catKey = key
	}
	return s.srv
}

// wrap turns a tool into the SDK's low-level handler: arguments are checked
// here (unknown names, types) so every refusal is an isError result that says
// what is valid.
func (s *Server) wrap(t tool) gomcp.ToolHandler {
	return func(ctx context.Context, req *gomcp.CallToolRequest) (*gomcp.CallToolResult, error) {
		start := time.Now()
		if req.Extra != nil && req.Extra.Header != nil {
			ctx = withAuthorization(ctx, req.Extra.Header.Get("Authorization"))
		}
		a, err := parseArgs(t.def.Name, req.Params.Arguments, t.params)
		if err != nil {
			return errorResult(err), nil
		}
		out, err := t.run(ctx, a)
		s.log.Debug("tool call", "tool", t.def.Name, "duration", time.Since(start), "error", err)
		if err != nil {
			return errorResult(err), nil
		}
		text, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("encode %s result: %w", t.def.Name, err)
		}
		return &gomcp.CallToolResult{Content: []gomcp.Content{&gomcp.TextContent{Text: string(text)}}}, nil
	}
}

// errorResult is an isError tool result with one text item.
func errorResult(err error) *gomcp.CallToolResult {
	return &gomcp.CallToolResult{IsError: true, Content: []gomcp.Content{&gomcp.TextContent{Text: err.Error()}}}
}

// unknownTool answers a call of a tool that does not exist with an isError
// result naming the tools, instead of the SDK's protocol error.
func unknownTool(names []string) gomcp.Middleware {
	return func(next gomcp.MethodHandler) gomcp.MethodHandler {
		return func(ctx context.Context, method string, req gomcp.Request) (gomcp.Result, error) {
			if method == "tools/call" {
				if r, ok := req.(*gomcp.CallToolRequest); ok && r.Params != nil && !contains(names, r.Params.Name) {
					return errorResult(fmt.Errorf("unknown tool %q; the tools are %s", r.Params.Name, strings.Join(names, ", "))), nil
				}
			}
			return next(ctx, method, req)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// HTTPHandler serves the tools over streamable HTTP (mount it at /mcp). The
// SDK asks for the server on every request, which keeps run_action's
// description current.
func (s *Server) HTTPHandler() http.Handler {
	return gomcp.NewStreamableHTTPHandler(func(r *http.Request) *gomcp.Server {
		return s.MCPServer(withAuthorization(r.Context(), r.Header.Get("Authorization")))
	}, &gomcp.StreamableHTTPOptions{SessionTimeout: 30 * time.Minute, MaxRequestBodyBytes: 1 << 20})
}

// refreshEvery is how often Serve checks the declared actions.
const refreshEvery = 15 * time.Second

// Serve runs one session over t (stdio for `pulse mcp`) until it ends,
// checking the declared actions every 15 s so run_action's description
// follows plugins that start, stop or change.
func (s *Server) Serve(ctx context.Context, t gomcp.Transport) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := s.MCPServer(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(refreshEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				s.MCPServer(ctx)
			}
		}
	}()
	err := srv.Run(ctx, t)
	cancel()
	<-done
	return err
}

func instructions() string {
	return "Pulse monitors Proxmox, TrueNAS, VMware and container estates. Start with list_platforms (the governed support matrix) and list_resources. " +
		"Every record carries \"support\": records labelled \"admitted\" come from a platform that is admitted but not supported (" + joinOr(notSupported(), "none today") + "); " +
		"never present them as supported. run_action returns a plan unless called with confirm: true."
}
