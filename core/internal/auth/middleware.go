package auth

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Cookie and header names.
const (
	// SessionCookie holds the dashboard session id.
	SessionCookie = "pulse_session"
	// CSRFHeader must carry the session's CSRF token on every write made
	// with the session cookie.
	CSRFHeader = "X-CSRF-Token"
)

// Options configure the middleware.
type Options struct {
	// Store verifies credentials; required unless None.
	Store *Store
	// None is auth = "none": every request is admin. The daemon allows
	// it only on a loopback-only listener.
	None bool
	// MetricsToken, when set, also admits /metrics (and only /metrics).
	MetricsToken string
	// TLS marks session cookies Secure.
	TLS bool
	// SessionTTL is a dashboard session's life (default DefaultSessionTTL).
	SessionTTL time.Duration
	// Policy is the route table (default DefaultPolicy).
	Policy []Rule
	// Log receives refusals (never a credential).
	Log hclog.Logger
}

// Middleware authenticates and authorizes every request to the operator
// listener before it reaches next, and serves /api/v1/session itself.
type Middleware struct {
	opts    Options
	next    http.Handler
	limiter *limiter
	log     hclog.Logger
	// kdf bounds concurrent password checks: each costs argon2id's 64 MiB.
	kdf chan struct{}
}

// MaxConcurrentPasswordChecks bounds the memory sign-ins can take at once.
const MaxConcurrentPasswordChecks = 2

// New wraps next, the whole operator handler.
func New(opts Options, next http.Handler) *Middleware {
	if opts.Policy == nil {
		opts.Policy = DefaultPolicy
	}
	if opts.Log == nil {
		opts.Log = hclog.NewNullLogger()
	}
	now := time.Now
	if opts.Store != nil {
		now = func() time.Time { return opts.Store.Now() }
	}
	return &Middleware{opts: opts, next: next, limiter: newLimiter(now), log: opts.Log.Named("auth"),
		kdf: make(chan struct{}, MaxConcurrentPasswordChecks)}
}

// ServeHTTP implements http.Handler.
func (m *Middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	if p == "/api/v1/session" {
		m.session(w, r)
		return
	}
	rule := Decide(m.opts.Policy, r.Method, p)
	if rule.Access == OpenAccess {
		m.next.ServeHTTP(w, r)
		return
	}
	if m.opts.None {
		m.next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), Principal{Kind: KindNone, ID: "anonymous", Scope: ScopeAdmin})))
		return
	}
	pr, err := m.authenticate(r, rule.Access == Metrics)
	if err != nil {
		m.refuse(w, r, http.StatusUnauthorized, authMessage(err, r.Method, p))
		return
	}
	need := rule.Scope
	if rule.Access == Metrics {
		need = ScopeRead
	}
	if pr.Kind != KindMetrics && !pr.Scope.Allows(need) {
		m.refuse(w, r, http.StatusForbidden, fmt.Sprintf("%s %s needs scope %s; this credential (%s) has scope %s", r.Method, p, need, pr, pr.Scope))
		return
	}
	if pr.Kind == KindSession && !isSafe(r.Method) && !m.csrfOK(r, pr) {
		m.refuse(w, r, http.StatusForbidden, fmt.Sprintf("%s %s with a session cookie needs the session's CSRF token in the %s header (from sign-in)", r.Method, p, CSRFHeader))
		return
	}
	m.next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), pr)))
}

// authenticate finds the request's credential: a bearer token (an API
// token, or the metrics token where metrics is set) or a session cookie.
func (m *Middleware) authenticate(r *http.Request, metrics bool) (Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return Principal{}, fmt.Errorf("%w: the Authorization header must be \"Bearer <token>\"", ErrUnauthenticated)
		}
		tok = strings.TrimSpace(tok)
		if metrics && m.opts.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(m.opts.MetricsToken)) == 1 {
			return Principal{Kind: KindMetrics, ID: "metrics_token", Scope: ""}, nil
		}
		return m.opts.Store.VerifyToken(r.Context(), tok)
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return m.opts.Store.VerifySession(r.Context(), c.Value)
	}
	return Principal{}, fmt.Errorf("%w: no credential", ErrUnauthenticated)
}

func (m *Middleware) csrfOK(r *http.Request, p Principal) bool {
	got := r.Header.Get(CSRFHeader)
	return got != "" && equalHash(hashSecret(got), p.csrfHash)
}

func authMessage(err error, method, p string) string {
	msg := err.Error()
	if !errors.Is(err, ErrUnauthenticated) {
		msg = "credential check failed"
	}
	return fmt.Sprintf("%s %s needs authentication (%s): send \"Authorization: Bearer <token>\" with a token from `pulse apitoken create`, or sign in at POST /api/v1/session", method, p, msg)
}

// refuse writes a JSON error; it logs the refusal at debug without the
// credential.
func (m *Middleware) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pulse"`)
	}
	m.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "remote", r.RemoteAddr)
	writeJSON(w, status, map[string]string{"error": msg})
}

func isSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
