package daemon

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/api"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/history"
	"github.com/pulsehost/pulse/core/internal/store"
)

// openHistory opens metric history in data_dir/pulse.db and the API's live
// feed, and has the store tell both of every committed apply. stop flushes
// the history one last time and closes its database handle.
func openHistory(ctx context.Context, cfg *config.Config, log hclog.Logger, st *store.Store) (*history.History, *api.Feed, func(), error) {
	db, err := database.Open(filepath.Join(cfg.Server.DataDir, DatabaseFile), 1)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open history: %w", err)
	}
	h, err := history.Open(ctx, db, log, history.Options{})
	if err != nil {
		_ = db.Close()
		return nil, nil, nil, err
	}
	feed := api.NewFeed()
	st.Observe(func(c store.Change) {
		h.Record(c.Metrics)
		feed.Publish(c)
	})
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { h.Run(hctx) })
	return h, feed, func() {
		cancel()
		wg.Wait()
		_ = db.Close()
	}, nil
}
