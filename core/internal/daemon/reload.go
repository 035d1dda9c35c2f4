package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
)

// ReloadResult is what a reload did.
type ReloadResult struct {
	pluginhost.ReloadReport
	// Warnings name what the reload could not apply (server block changes
	// take effect at the next start).
	Warnings []string `json:"warnings"`
}

// ConfigError is a configuration a reload refused; the running one stays.
type ConfigError struct {
	// Diagnostics are "file:line:column: what: what would be right".
	Diagnostics []string
}

func (e *ConfigError) Error() string {
	return "configuration refused, the running configuration stays:\n  " + strings.Join(e.Diagnostics, "\n  ")
}

// Reloader re-reads the configuration files and applies them to the
// running host.
type Reloader struct {
	host *pluginhost.Host
	log  hclog.Logger

	mu  sync.Mutex
	cfg *config.Config
}

// NewReloader builds a reloader for the running configuration cfg.
func NewReloader(cfg *config.Config, host *pluginhost.Host, log hclog.Logger) *Reloader {
	return &Reloader{host: host, log: log.Named("reload"), cfg: cfg}
}

// Reload re-reads the files the running configuration came from. A
// configuration with any error (syntax, model, or a connection block the
// running plugin's schema refuses) is refused whole: nothing changes, and
// the diagnostics are logged and returned as a *ConfigError.
func (r *Reloader) Reload(ctx context.Context) (ReloadResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log.Info("reloading configuration", "files", r.cfg.Files)
	cfg, err := config.Parse(r.cfg.Files...)
	if err == nil {
		err = cfg.Validate(r.host.Schemas())
	}
	if err != nil {
		ce := &ConfigError{Diagnostics: strings.Split(strings.TrimSpace(err.Error()), "\n")}
		var ds *config.Diagnostics
		if !errors.As(err, &ds) {
			ce.Diagnostics = []string{err.Error()}
		}
		r.log.Error("configuration refused; the running configuration stays", "diagnostics", ce.Diagnostics)
		return ReloadResult{}, ce
	}
	var res ReloadResult
	if fmt.Sprint(cfg.Server) != fmt.Sprint(r.cfg.Server) {
		res.Warnings = append(res.Warnings, "the server block changed; its settings take effect at the next start (connections were reloaded)")
		r.log.Warn("server block changed; restart pulse to apply it")
		cfg.Server = r.cfg.Server
	}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	res.ReloadReport = r.host.Reload(ctx, Specs(cfg))
	r.cfg = cfg
	return res, nil
}

// watchSIGHUP reloads on every SIGHUP until ctx ends.
func (r *Reloader) watchSIGHUP(ctx context.Context) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			if _, err := r.Reload(ctx); err != nil {
				continue // logged by Reload
			}
		}
	}
}

// serveReload is POST /api/v1/reload (admin).
func (r *Reloader) serveReload(w http.ResponseWriter, req *http.Request) {
	res, err := r.Reload(req.Context())
	var ce *ConfigError
	switch {
	case errors.As(err, &ce):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": "configuration refused; the running configuration stays", "diagnostics": ce.Diagnostics})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "reload failed: " + err.Error()})
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// servePluginReload is POST /api/v1/plugins/{platform}/reload (admin).
func (r *Reloader) servePluginReload(w http.ResponseWriter, req *http.Request) {
	platform := req.PathValue("platform")
	if err := r.host.UpgradePlugin(platform); err != nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": err.Error()})
		return
	}
	r.log.Info("plugin upgrade requested", "platform", platform)
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "upgrading", "platform": platform,
		"detail": "the new plugin starts and takes over the platform's connections; their last data stays, stale, until its first polls; GET /api/v1/plugins shows progress"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
