package daemon

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/agentgw"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/store"
)

// agentLister lists agents from the gateway's tables for the API.
type agentLister struct{ db *sql.DB }

func (l agentLister) List(ctx context.Context) ([]agentgw.Agent, error) {
	return agentgw.ListAgents(ctx, l.db, time.Now())
}

// agentListener is the running agent gateway.
type agentListener struct {
	gw   *agentgw.Gateway
	srv  *http.Server
	addr string
	errc chan error
}

// staleTick is how often the gateway looks for silent agents.
const staleTick = 5 * time.Second

// startAgents serves the agent gateway over HTTPS on server.agent_listen
// (when set) and watches for silent agents until ctx ends.
func startAgents(ctx context.Context, s config.Server, db *sql.DB, st *store.Store, log hclog.Logger) (*agentListener, error) {
	if s.AgentListen == "" {
		return nil, nil
	}
	host, _, _ := net.SplitHostPort(s.AgentListen)
	cert, err := agentgw.LoadOrCreateCert(s.DataDir, s.TLSCert, s.TLSKey, []string{host, "127.0.0.1"})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", s.AgentListen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (server.agent_listen): %w", s.AgentListen, err)
	}
	gw := agentgw.New(db, st, log, agentgw.Options{})
	go gw.Watch(ctx, staleTick)
	srv := &http.Server{
		Handler:           gw.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ErrorLog:          log.Named("agentgw").StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
	}
	a := &agentListener{gw: gw, srv: srv, addr: ln.Addr().String(), errc: make(chan error, 1)}
	go func() { a.errc <- srv.ServeTLS(ln, "", "") }()
	log.Info("agent listener", "url", "https://"+a.addr+"/api/v1/agents/", "certificate_fingerprint", agentgw.CertFingerprint(cert.Certificate[0]))
	return a, nil
}

func (a *agentListener) stop(ctx context.Context) {
	if a == nil {
		return
	}
	_ = a.srv.Shutdown(ctx)
	if err := <-a.errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = err
	}
}
