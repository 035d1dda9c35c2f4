// Package daemon wires the core together: configuration, the unified store,
// the plugin host and the HTTP API, with an orderly shutdown.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/agentgw"
	"github.com/pulsehost/pulse/core/internal/alerting"
	"github.com/pulsehost/pulse/core/internal/api"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/internal/web"
)

// DatabaseFile is the store's file name inside data_dir.
const DatabaseFile = "pulse.db"

// Specs turns configured connections into the plugin host's specs.
func Specs(cfg *config.Config) []pluginhost.ConnSpec {
	var out []pluginhost.ConnSpec
	for _, c := range cfg.Connections {
		out = append(out, pluginhost.ConnSpec{
			Platform: c.Platform, Name: c.Name, Enabled: c.Enabled,
			PollInterval: c.PollInterval, Timeout: c.Timeout, Build: c.SDK,
			Fingerprint: c.Fingerprint(),
		})
	}
	return out
}

// Logger builds the core's logger from the server block.
func Logger(s config.Server) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "pulse",
		Level:      hclog.LevelFromString(s.LogLevel),
		JSONFormat: s.LogFormat == "json",
		Output:     os.Stderr,
	})
}

// Run serves until ctx ends. ready, when not nil, receives the API's
// address once it listens.
func Run(ctx context.Context, cfg *config.Config, log hclog.Logger, version string, ready chan<- string) error {
	return RunWith(ctx, cfg, log, version, Hooks{APIReady: ready})
}

// Hooks report the daemon's listeners once they listen (tests, the lab).
type Hooks struct {
	// APIReady receives the operator API's address.
	APIReady chan<- string
	// AgentReady receives the agent listener's address (when agent_listen
	// is set).
	AgentReady chan<- string
}

// RunWith is Run with hooks.
func RunWith(ctx context.Context, cfg *config.Config, log hclog.Logger, version string, hooks Hooks) error {
	ready := hooks.APIReady
	restrictUmask()
	if err := checkAuthMode(cfg.Server, log); err != nil {
		return err
	}
	if err := SecureDataDir(cfg.Server.DataDir, log); err != nil {
		return err
	}
	st, err := store.Open(filepath.Join(cfg.Server.DataDir, DatabaseFile), log.Named("store"))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	hist, feed, stopHistory, err := openHistory(ctx, cfg, log, st)
	if err != nil {
		return err
	}
	defer stopHistory()

	authStore, authDB, err := OpenAuth(ctx, cfg.Server.DataDir)
	if err != nil {
		return fmt.Errorf("open auth: %w", err)
	}
	defer authDB.Close()
	if err := secureFiles(cfg.Server.DataDir); err != nil {
		return err
	}

	ln, scheme, err := listen(cfg.Server, log)
	if err != nil {
		return err
	}
	host := pluginhost.New(log, st, pluginhost.Options{Dirs: pluginhost.SearchDirs(cfg.Server.PluginDir)})
	ctl, closeControl, err := openControl(ctx, cfg, st, host, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer closeControl()
	host.Start(ctx, Specs(cfg))
	defer host.Stop()
	rl := NewReloader(cfg, host, log)
	go rl.watchSIGHUP(ctx)

	adb, err := agentgw.OpenDB(ctx, cfg.Server.DataDir)
	if err != nil {
		return fmt.Errorf("open agents database: %w", err)
	}
	defer adb.Close()
	agents, err := startAgents(ctx, cfg.Server, adb, st, log)
	if err != nil {
		return err
	}
	if agents != nil {
		ctl.WithAgents(agentControl{agents.gw})
	}
	if agents != nil && hooks.AgentReady != nil {
		hooks.AgentReady <- agents.addr
	}

	ar, err := alerting.Open(ctx, filepath.Join(cfg.Server.DataDir, DatabaseFile), cfg, st, host, log)
	if err != nil {
		return fmt.Errorf("open alerts: %w", err)
	}
	defer ar.Close()
	actx, stopAlerts := context.WithCancel(ctx)
	alertsDone := make(chan struct{})
	go func() { defer close(alertsDone); ar.Run(actx) }()
	defer func() { stopAlerts(); <-alertsDone }()

	apiServer := api.New(st, host, log, version).WithControl(ctl).WithAgents(agentLister{adb}).
		WithHistory(hist).WithFeed(feed).WithUI(web.Handler())
	apiServer.Mount(ar.Routes())
	// Authentication wraps everything but /healthz; /mcp's tools call the
	// authenticated API with their caller's own credentials.
	authed := OperatorHandler(cfg.Server, apiServer.Handler(), rl, authStore, log)
	top := http.NewServeMux()
	top.Handle(MCPPath, OperatorHandler(cfg.Server, MCPHandler(ctx, authed, log, version), nil, authStore, log))
	top.Handle("/", authed)
	srv := newHTTPServer(top, DefaultLimits, log)
	srv.RegisterOnShutdown(feed.Close)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("api listening", "url", scheme+"://"+ln.Addr().String()+"/api/v1/", "mcp", scheme+"://"+ln.Addr().String()+MCPPath,
		"data_dir", cfg.Server.DataDir, "auth", authMode(cfg.Server))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	agents.stop(sctx)
	return nil
}
