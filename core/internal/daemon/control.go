package daemon

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/control"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
)

// openControl opens the control path with its audit log in data_dir's
// database; the returned func closes it.
func openControl(ctx context.Context, cfg *config.Config, st *store.Store, host *pluginhost.Host, log hclog.Logger) (*control.Service, func(), error) {
	db, err := database.Open(filepath.Join(cfg.Server.DataDir, DatabaseFile), 1)
	if err != nil {
		return nil, nil, fmt.Errorf("control: %w", err)
	}
	audit, err := control.OpenAudit(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, nil, fmt.Errorf("control: %w", err)
	}
	if cfg.Control.Enabled {
		log.Info("control enabled", "timeout", cfg.Control.Timeout, "narrowed_connections", len(cfg.Control.Connections))
	}
	return control.New(st, host, audit, cfg.Control, log), func() { _ = db.Close() }, nil
}
