package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/config"
)

// apiSession is how a CLI command reaches the running core's operator API:
// the base URL, an HTTP client that trusts the core's certificate and sends
// a bearer token, and what to do when the command ends.
type apiSession struct {
	Base   string
	Client *http.Client
	// Close revokes the token the command made for itself, if any.
	Close func()
}

// openAPISession prepares API calls for a command. The token comes from
// PULSE_TOKEN when set; otherwise, with --config, the command makes a
// short-lived token of the scope it needs in the core's data_dir (whoever
// can write data_dir administers the core already) and revokes it at the
// end, so no token appears on a command line. With auth = "none" no token is
// sent. apiURL, when set, names the core instead of cfg (PULSE_TOKEN only).
func openAPISession(cfg *config.Config, apiURL string, scope auth.Scope, purpose string, timeout time.Duration) (*apiSession, error) {
	s := &apiSession{Client: &http.Client{Timeout: timeout}, Close: func() {}}
	secret := os.Getenv(tokenEnv)
	if apiURL != "" || cfg == nil {
		s.Base = apiURL
	} else {
		client, base, err := apiClient(cfg.Server)
		if err != nil {
			return nil, err
		}
		client.Timeout = timeout
		s.Client, s.Base = client, base
		if secret == "" && cfg.Server.Security.Auth != config.AuthNone {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			st, closeDB, err := openAuthStore(ctx, cfg.Server.DataDir)
			if err != nil {
				return nil, fmt.Errorf("make a token for this command in %s: %w", cfg.Server.DataDir, err)
			}
			var tok auth.Token
			secret, tok, err = st.CreateToken(ctx, scope, "pulse CLI: "+purpose, 10*time.Minute)
			if err != nil {
				closeDB()
				return nil, fmt.Errorf("make a token for this command: %w", err)
			}
			s.Close = func() {
				_ = st.RevokeToken(context.Background(), tok.ID)
				closeDB()
			}
		}
	}
	if secret != "" {
		next := s.Client.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		s.Client.Transport = bearerTransport{secret: secret, next: next}
	}
	return s, nil
}

// bearerTransport adds the Authorization header to every request.
type bearerTransport struct {
	secret string
	next   http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.secret)
	return b.next.RoundTrip(r)
}
