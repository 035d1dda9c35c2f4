package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/internal/database"
)

// fastKDF keeps tests quick; production uses DefaultKDF.
var fastKDF = KDFParams{Time: 1, MemoryKiB: 1024, Threads: 1}

func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pulse.db")
	db, err := database.Open(path, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	s.SetKDF(fastKDF)
	return s, path
}

func TestTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	clock := time.Now()
	s.Now = func() time.Time { return clock }
	secret, tok, err := s.CreateToken(ctx, ScopeRead, "grafana", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, TokenPrefix+tok.ID+"_") || len(secret) < 60 {
		t.Fatalf("token %q does not look like pulse_<id>_<secret>", secret)
	}
	p, err := s.VerifyToken(ctx, secret)
	if err != nil || p.Scope != ScopeRead || p.ID != tok.ID {
		t.Fatalf("verify: %+v %v", p, err)
	}
	for _, bad := range []string{"", "nope", TokenPrefix + tok.ID + "_wrong", TokenPrefix + "zzzzzzzz_x", secret + "x"} {
		if _, err := s.VerifyToken(ctx, bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("verify %q: %v, want ErrUnauthenticated", bad, err)
		}
	}
	// Expiry.
	clock = clock.Add(31 * 24 * time.Hour)
	if _, err := s.VerifyToken(ctx, secret); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token: %v", err)
	}
	clock = clock.Add(-31 * 24 * time.Hour)
	// Revocation, by id; twice is fine; unknown id is an error.
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
	if _, err := s.VerifyToken(ctx, secret); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked token: %v", err)
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].State(clock) != "revoked" || list[0].Label != "grafana" {
		t.Fatalf("list: %+v %v", list, err)
	}
	// Errors never carry the secret.
	_, err = s.VerifyToken(ctx, secret)
	if strings.Contains(err.Error(), secret[len(TokenPrefix)+len(tok.ID)+1:]) {
		t.Fatalf("error leaks the secret: %v", err)
	}
	// Only the hash is stored: the secret is nowhere in the database files.
	assertNotInFiles(t, filepath.Dir(path), secret[len(TokenPrefix)+len(tok.ID)+1:])
}

func assertNotInFiles(t *testing.T, dir, secret string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && bytes.Contains(b, []byte(secret)) {
			t.Fatalf("%s holds a secret in clear", e.Name())
		}
	}
}

func TestCreateTokenRefusesBadInput(t *testing.T) {
	s, _ := newStore(t)
	if _, _, err := s.CreateToken(context.Background(), "root", "", 0); err == nil || !strings.Contains(err.Error(), "read, control, admin") {
		t.Fatalf("bad scope: %v", err)
	}
	if _, _, err := s.CreateToken(context.Background(), ScopeRead, "", -time.Hour); err == nil {
		t.Fatal("negative ttl accepted")
	}
}

func TestScopes(t *testing.T) {
	for _, tc := range []struct {
		have, need Scope
		ok         bool
	}{
		{ScopeRead, ScopeRead, true}, {ScopeRead, ScopeControl, false}, {ScopeRead, ScopeAdmin, false},
		{ScopeControl, ScopeRead, true}, {ScopeControl, ScopeControl, true}, {ScopeControl, ScopeAdmin, false},
		{ScopeAdmin, ScopeRead, true}, {ScopeAdmin, ScopeControl, true}, {ScopeAdmin, ScopeAdmin, true},
		{"", ScopeRead, false}, {"bogus", ScopeRead, false},
	} {
		if got := tc.have.Allows(tc.need); got != tc.ok {
			t.Errorf("%q allows %q = %v, want %v", tc.have, tc.need, got, tc.ok)
		}
	}
	if _, err := ParseScope("Admin"); err != nil {
		t.Error(err)
	}
	if _, err := ParseScope("write"); err == nil {
		t.Error("write accepted")
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	const pw = "correct horse battery"
	if err := s.AddUser(ctx, "alice", pw, ScopeControl); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser(ctx, "alice", pw, ScopeControl); !errors.Is(err, ErrExists) {
		t.Fatalf("second add: %v", err)
	}
	if err := s.AddUser(ctx, "bob", "short", ScopeRead); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	if err := s.AddUser(ctx, "Bad Name", pw, ScopeRead); err == nil {
		t.Fatal("bad name accepted")
	}
	p, err := s.VerifyUser(ctx, "alice", pw)
	if err != nil || p.Scope != ScopeControl || p.Name != "alice" {
		t.Fatalf("verify: %+v %v", p, err)
	}
	if _, err := s.VerifyUser(ctx, "alice", pw+"x"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.VerifyUser(ctx, "nobody", pw); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("unknown user: %v", err)
	}
	// A session of alice ends when her password changes.
	id, _, _, err := s.CreateSession(ctx, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifySession(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, "alice", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifySession(ctx, id); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("session survived a password change: %v", err)
	}
	if _, err := s.VerifyUser(ctx, "alice", "another long password"); err != nil {
		t.Fatal(err)
	}
	users, _ := s.Users(ctx)
	if len(users) != 1 || users[0].Name != "alice" {
		t.Fatalf("users: %+v", users)
	}
	if err := s.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveUser(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
	assertNotInFiles(t, filepath.Dir(dir), pw)
}

func TestPasswordHashIsArgon2id(t *testing.T) {
	h := hashPassword("pw-pw-pw-pw-pw", DefaultKDF)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("hash %q", h)
	}
	ok, err := checkPassword("pw-pw-pw-pw-pw", h)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if ok, _ := checkPassword("pw-pw-pw-pw-px", h); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := checkPassword("x", "$2a$10$bcrypt"); err == nil {
		t.Fatal("non-argon2id accepted")
	}
}

// do sends one request through a middleware in front of a handler that
// answers 200 with the principal it saw.
func do(m http.Handler, method, path, bearer string, cookies []*http.Cookie, hdr map[string]string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.7:5555"
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	m.ServeHTTP(w, r)
	return w
}

var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, _ := FromContext(r.Context())
	_ = json.NewEncoder(w).Encode(p)
})

func TestSessionLoginCSRFAndLogout(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	m := New(Options{Store: s, TLS: true}, echo)
	if err := s.AddUser(ctx, "ops", "a very long password", ScopeControl); err != nil {
		t.Fatal(err)
	}
	w := do(m, "POST", "/api/v1/session", "", nil, nil, `{"user":"ops","password":"a very long password"}`)
	if w.Code != 200 {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	c := cookies[0]
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Name != SessionCookie {
		t.Fatalf("cookie flags: %+v", c)
	}
	var resp struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	if resp.CSRF == "" {
		t.Fatal("no csrf token")
	}
	// Reads with the cookie work; writes need the CSRF header.
	if w := do(m, "GET", "/api/v1/resources", "", cookies, nil, ""); w.Code != 200 {
		t.Fatalf("read with session: %d %s", w.Code, w.Body)
	}
	if w := do(m, "POST", "/api/v1/resources/x/actions", "", cookies, nil, ""); w.Code != 403 || !strings.Contains(w.Body.String(), CSRFHeader) {
		t.Fatalf("write without csrf: %d %s", w.Code, w.Body)
	}
	if w := do(m, "POST", "/api/v1/resources/x/actions", "", cookies, map[string]string{CSRFHeader: "wrong"}, ""); w.Code != 403 {
		t.Fatalf("write with wrong csrf: %d", w.Code)
	}
	if w := do(m, "POST", "/api/v1/resources/x/actions", "", cookies, map[string]string{CSRFHeader: resp.CSRF}, ""); w.Code != 200 {
		t.Fatalf("write with csrf: %d %s", w.Code, w.Body)
	}
	// control user cannot reload (admin).
	if w := do(m, "POST", "/api/v1/reload", "", cookies, map[string]string{CSRFHeader: resp.CSRF}, ""); w.Code != 403 {
		t.Fatalf("reload as control: %d", w.Code)
	}
	// Sign out needs CSRF too; afterwards the cookie is dead.
	if w := do(m, "DELETE", "/api/v1/session", "", cookies, nil, ""); w.Code != 403 {
		t.Fatalf("logout without csrf: %d", w.Code)
	}
	if w := do(m, "DELETE", "/api/v1/session", "", cookies, map[string]string{CSRFHeader: resp.CSRF}, ""); w.Code != 200 {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if w := do(m, "GET", "/api/v1/resources", "", cookies, nil, ""); w.Code != 401 {
		t.Fatalf("read after logout: %d", w.Code)
	}
}

func TestSessionFromTokenEndsWithToken(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	m := New(Options{Store: s}, echo)
	secret, tok, _ := s.CreateToken(ctx, ScopeRead, "", 0)
	w := do(m, "POST", "/api/v1/session", "", nil, nil, `{"token":"`+secret+`"}`)
	if w.Code != 200 {
		t.Fatalf("login with token: %d %s", w.Code, w.Body)
	}
	cookies := w.Result().Cookies()
	if cookies[0].Secure {
		t.Fatal("Secure cookie without TLS")
	}
	if strings.Contains(w.Body.String(), secret) {
		t.Fatal("response echoes the token")
	}
	if w := do(m, "GET", "/api/v1/connections", "", cookies, nil, ""); w.Code != 200 {
		t.Fatalf("read: %d", w.Code)
	}
	_ = s.RevokeToken(ctx, tok.ID)
	if w := do(m, "GET", "/api/v1/connections", "", cookies, nil, ""); w.Code != 401 {
		t.Fatalf("read after revoke: %d", w.Code)
	}
}

func TestLoginRateLimit(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	clock := time.Now()
	s.Now = func() time.Time { return clock }
	m := New(Options{Store: s}, echo)
	_ = s.AddUser(ctx, "ops", "a very long password", ScopeRead)
	bad := `{"user":"ops","password":"wrong wrong wrong"}`
	good := `{"user":"ops","password":"a very long password"}`
	for i := 1; i <= MaxLoginFailures; i++ {
		w := do(m, "POST", "/api/v1/session", "", nil, nil, bad)
		want := 401
		if i == MaxLoginFailures {
			want = 429
		}
		if w.Code != want {
			t.Fatalf("failure %d: %d, want %d", i, w.Code, want)
		}
	}
	// Locked: even the right password is refused, with Retry-After.
	w := do(m, "POST", "/api/v1/session", "", nil, nil, good)
	if w.Code != 429 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("locked: %d %v", w.Code, w.Header())
	}
	clock = clock.Add(LockoutPeriod - time.Second)
	if w := do(m, "POST", "/api/v1/session", "", nil, nil, good); w.Code != 429 {
		t.Fatalf("still locked: %d", w.Code)
	}
	clock = clock.Add(2 * time.Second)
	if w := do(m, "POST", "/api/v1/session", "", nil, nil, good); w.Code != 200 {
		t.Fatalf("after lockout: %d %s", w.Code, w.Body)
	}
}

func TestMetricsToken(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	m := New(Options{Store: s, MetricsToken: "scrape-secret-123"}, echo)
	read, _, _ := s.CreateToken(ctx, ScopeRead, "", 0)
	if w := do(m, "GET", "/metrics", "", nil, nil, ""); w.Code != 401 {
		t.Fatalf("metrics without token: %d", w.Code)
	}
	if w := do(m, "GET", "/metrics", "scrape-secret-123", nil, nil, ""); w.Code != 200 {
		t.Fatalf("metrics with metrics token: %d", w.Code)
	}
	if w := do(m, "GET", "/metrics", read, nil, nil, ""); w.Code != 200 {
		t.Fatalf("metrics with read token: %d", w.Code)
	}
	// The metrics token opens nothing else.
	if w := do(m, "GET", "/api/v1/resources", "scrape-secret-123", nil, nil, ""); w.Code != 401 {
		t.Fatalf("metrics token on the API: %d", w.Code)
	}
}

func TestAuthNone(t *testing.T) {
	m := New(Options{None: true}, echo)
	w := do(m, "POST", "/api/v1/reload", "", nil, nil, "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"admin"`) {
		t.Fatalf("auth none: %d %s", w.Code, w.Body)
	}
}

func TestRequire(t *testing.T) {
	ctx := WithPrincipal(context.Background(), Principal{Kind: KindToken, ID: "x", Scope: ScopeRead})
	if err := Require(ctx, ScopeRead); err != nil {
		t.Fatal(err)
	}
	if err := Require(ctx, ScopeControl); err == nil {
		t.Fatal("read passed Require(control)")
	}
	if err := Require(context.Background(), ScopeRead); !errors.Is(err, ErrUnauthenticated) {
		t.Fatal(err)
	}
}
