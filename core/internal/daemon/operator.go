package daemon

import (
	"net/http"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/config"
)

// OperatorHandler is the whole operator listener: the API (and whatever
// else the daemon mounts: reload, and on other branches control, alerts,
// the dashboard, MCP), wrapped in authentication that decides every request
// by auth.DefaultPolicy.
func OperatorHandler(s config.Server, api http.Handler, rl *Reloader, as *auth.Store, log hclog.Logger) http.Handler {
	mux := http.NewServeMux()
	if rl != nil {
		mux.HandleFunc("POST /api/v1/reload", rl.serveReload)
		mux.HandleFunc("POST /api/v1/plugins/{platform}/reload", rl.servePluginReload)
	}
	mux.Handle("/", api)
	return auth.New(auth.Options{
		Store:        as,
		None:         s.Security.Auth == config.AuthNone,
		MetricsToken: s.Security.MetricsToken,
		TLS:          s.Security.TLS(),
		Log:          log,
	}, mux)
}

func authMode(s config.Server) string {
	if s.Security.Auth == config.AuthNone {
		return config.AuthNone
	}
	return config.AuthToken
}
