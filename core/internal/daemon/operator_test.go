package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/api"
	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
)

// operator builds the real operator handler (API, reload, auth) over a
// real store in a temporary data_dir, with a configuration file reload can
// re-read.
func operator(t *testing.T, hcl string) (http.Handler, *auth.Store, string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "pulse.hcl")
	if err := os.WriteFile(cfgPath, []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	log := hclog.NewNullLogger()
	if err := SecureDataDir(cfg.Server.DataDir, log); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(cfg.Server.DataDir, DatabaseFile), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	as, db, err := OpenAuth(context.Background(), cfg.Server.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	host := pluginhost.New(log, st, pluginhost.Options{Dirs: []string{t.TempDir()}})
	host.Start(context.Background(), Specs(cfg))
	t.Cleanup(host.Stop)
	rl := NewReloader(cfg, host, log)
	return OperatorHandler(cfg.Server, api.New(st, host, log, "test").Handler(), rl, as, log), as, cfgPath
}

// routes is every route of the operator listener on this branch and the
// ones other branches add (control, alerts, MCP, dashboard), with the scope
// each needs; "" is open.
var routes = []struct {
	method, path string
	need         auth.Scope
}{
	{"GET", "/healthz", ""},
	{"GET", "/", ""},
	{"GET", "/assets/app.js", ""},
	{"GET", "/metrics", auth.ScopeRead},
	{"GET", "/api/v1/platforms", auth.ScopeRead},
	{"GET", "/api/v1/connections", auth.ScopeRead},
	{"GET", "/api/v1/plugins", auth.ScopeRead},
	{"GET", "/api/v1/resources", auth.ScopeRead},
	{"GET", "/api/v1/resources/some-id", auth.ScopeRead},
	{"GET", "/api/v1/alerts", auth.ScopeRead},
	{"GET", "/api/v1/recovery-points", auth.ScopeRead},
	{"GET", "/api/v1/session", auth.ScopeRead},
	{"GET", "/api/v1/events", auth.ScopeRead},
	{"GET", "/api/v1/no-such-route", auth.ScopeRead},
	{"POST", "/api/v1/resources/some-id/actions", auth.ScopeControl},
	{"POST", "/api/v1/alerts/a1/ack", auth.ScopeControl},
	{"POST", "/api/v1/reload", auth.ScopeAdmin},
	{"POST", "/api/v1/plugins/proxmox-pve/reload", auth.ScopeAdmin},
	{"POST", "/api/v1/no-such-route", auth.ScopeAdmin},
	{"DELETE", "/api/v1/resources/some-id", auth.ScopeAdmin},
	{"PUT", "/api/v1/connections", auth.ScopeAdmin},
	{"POST", "/mcp", auth.ScopeRead},
	{"POST", "/", auth.ScopeAdmin},
}

func send(h http.Handler, method, path, token string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader("{}"))
	r.RemoteAddr = "127.0.0.1:40000"
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestEveryRouteRefusesUnauthenticatedAndUnderScoped is the per-route test:
// for each route, no credential is 401, a bad or revoked token is 401, each
// scope below the route's is 403, and the route's scope and above get past
// authentication (the route's own answer: 200, 404 on this branch for
// routes other branches add, ...).
func TestEveryRouteRefusesUnauthenticatedAndUnderScoped(t *testing.T) {
	h, as, _ := operator(t, "server {\n  data_dir = \"data\"\n}\n")
	ctx := context.Background()
	tokens := map[auth.Scope]string{}
	for _, s := range auth.Scopes {
		secret, _, err := as.CreateToken(ctx, s, "test "+string(s), 0)
		if err != nil {
			t.Fatal(err)
		}
		tokens[s] = secret
	}
	revoked, tok, _ := as.CreateToken(ctx, auth.ScopeAdmin, "revoked", 0)
	_ = as.RevokeToken(ctx, tok.ID)

	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			if rt.need == "" {
				if w := send(h, rt.method, rt.path, ""); w.Code == 401 || w.Code == 403 {
					t.Fatalf("open route refused: %d %s", w.Code, w.Body)
				}
				return
			}
			for _, bad := range []string{"", "pulse_nope_nope", revoked} {
				w := send(h, rt.method, rt.path, bad)
				if w.Code != 401 || w.Header().Get("WWW-Authenticate") == "" {
					t.Fatalf("credential %q: %d %s, want 401 with WWW-Authenticate", bad, w.Code, w.Body)
				}
			}
			for _, s := range auth.Scopes {
				w := send(h, rt.method, rt.path, tokens[s])
				switch {
				case !s.Allows(rt.need) && w.Code != 403:
					t.Errorf("scope %s: %d, want 403", s, w.Code)
				case !s.Allows(rt.need) && !strings.Contains(w.Body.String(), "needs scope "+string(rt.need)):
					t.Errorf("scope %s: 403 body %q does not say what is needed", s, w.Body)
				case s.Allows(rt.need) && (w.Code == 401 || w.Code == 403):
					t.Errorf("scope %s: %d %s, want past authentication", s, w.Code, w.Body)
				}
			}
		})
	}
}

// TestReloadOverHTTP: an admin reload with a broken file is refused with
// file:line:column diagnostics and nothing changes; a good one reports.
func TestReloadOverHTTP(t *testing.T) {
	h, as, cfgPath := operator(t, "server {\n  data_dir = \"data\"\n}\n")
	admin, _, _ := as.CreateToken(context.Background(), auth.ScopeAdmin, "", 0)

	if err := os.WriteFile(cfgPath, []byte("server {\n  data_dir = \"data\"\n}\nconnection \"aws\" \"x\" {\n  poll_interval = \"5x\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := send(h, "POST", "/api/v1/reload", admin)
	var refused struct {
		Error       string   `json:"error"`
		Diagnostics []string `json:"diagnostics"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &refused)
	if w.Code != 422 || len(refused.Diagnostics) < 2 || !strings.Contains(refused.Diagnostics[0], "pulse.hcl:4:") || !strings.Contains(refused.Error, "running configuration stays") {
		t.Fatalf("bad config: %d %s", w.Code, w.Body)
	}
	var conns struct {
		Connections []pluginhost.ConnStatus `json:"connections"`
	}
	_ = json.Unmarshal(send(h, "GET", "/api/v1/connections", admin).Body.Bytes(), &conns)
	if len(conns.Connections) != 0 {
		t.Fatalf("a refused config changed the connections: %+v", conns)
	}

	if err := os.WriteFile(cfgPath, []byte("server {\n  data_dir = \"data\"\n}\nconnection \"proxmox-pmg\" \"mail\" {\n  poll_interval = \"5s\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w = send(h, "POST", "/api/v1/reload", admin)
	var res ReloadResult
	_ = json.Unmarshal(w.Body.Bytes(), &res)
	if w.Code != 200 || len(res.Added) != 1 || res.Added[0] != "proxmox-pmg/mail" {
		t.Fatalf("good config: %d %s", w.Code, w.Body)
	}
	_ = json.Unmarshal(send(h, "GET", "/api/v1/connections", admin).Body.Bytes(), &conns)
	if len(conns.Connections) != 1 || conns.Connections[0].State != pluginhost.StateNoPlugin {
		t.Fatalf("connections after reload: %+v", conns)
	}
	// A server block change is reported, not applied.
	if err := os.WriteFile(cfgPath, []byte("server {\n  data_dir = \"data\"\n  log_level = \"debug\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w = send(h, "POST", "/api/v1/reload", admin)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "next start") {
		t.Fatalf("server change: %d %s", w.Code, w.Body)
	}
}

func TestAuthNoneRefusedOffLoopback(t *testing.T) {
	s := config.Server{Listen: "0.0.0.0:7655", Security: config.Security{Auth: config.AuthNone}}
	if err := checkAuthMode(s, hclog.NewNullLogger()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("auth none on 0.0.0.0: %v", err)
	}
	s.Listen = "127.0.0.1:7655"
	if err := checkAuthMode(s, hclog.NewNullLogger()); err != nil {
		t.Fatal(err)
	}
}

func TestDataDirPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pulse.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SecureDataDir(dir, hclog.NewNullLogger()); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(dir)
	f, _ := os.Stat(filepath.Join(dir, "pulse.db"))
	if st.Mode().Perm() != 0o700 || f.Mode().Perm() != 0o600 {
		t.Fatalf("data_dir %v, pulse.db %v", st.Mode().Perm(), f.Mode().Perm())
	}
}
