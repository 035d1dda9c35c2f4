package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// maxLoginBody bounds a sign-in request.
const maxLoginBody = 16 << 10

// loginRequest signs in with a token or a user name and password.
type loginRequest struct {
	Token    string `json:"token"`
	User     string `json:"user"`
	Password string `json:"password"`
}

// session serves /api/v1/session: POST signs in (sets the cookie, returns
// the CSRF token), GET says who is signed in, DELETE signs out.
func (m *Middleware) session(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		m.login(w, r)
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		if m.opts.None {
			writeJSON(w, http.StatusOK, map[string]any{"principal": Principal{Kind: KindNone, ID: "anonymous", Scope: ScopeAdmin}, "auth": "none"})
			return
		}
		pr, err := m.authenticate(r, false)
		if err != nil {
			m.refuse(w, r, http.StatusUnauthorized, authMessage(err, r.Method, r.URL.Path))
			return
		}
		if r.Method != http.MethodDelete {
			writeJSON(w, http.StatusOK, map[string]any{"principal": pr})
			return
		}
		if pr.Kind != KindSession {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "DELETE /api/v1/session ends a dashboard session; this request carries an API token, which `pulse apitoken revoke` ends"})
			return
		}
		if !m.csrfOK(r, pr) {
			m.refuse(w, r, http.StatusForbidden, fmt.Sprintf("signing out needs the session's CSRF token in the %s header", CSRFHeader))
			return
		}
		c, _ := r.Cookie(SessionCookie)
		if err := m.opts.Store.DeleteSession(r.Context(), c.Value); err != nil {
			m.log.Error("sign out", "error", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not end the session; see the core's log"})
			return
		}
		http.SetCookie(w, m.cookie("", -1))
		writeJSON(w, http.StatusOK, map[string]string{"status": "signed out"})
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": fmt.Sprintf("%s /api/v1/session: use POST to sign in, GET to see the session, DELETE to sign out", r.Method)})
	}
}

func (m *Middleware) login(w http.ResponseWriter, r *http.Request) {
	if m.opts.None {
		writeJSON(w, http.StatusOK, map[string]any{"principal": Principal{Kind: KindNone, ID: "anonymous", Scope: ScopeAdmin}, "auth": "none"})
		return
	}
	client := clientKey(r)
	if until, locked := m.limiter.locked(client); locked {
		m.tooMany(w, until)
		return
	}
	var req loginRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sign-in body must be JSON {\"token\": \"...\"} or {\"user\": \"...\", \"password\": \"...\"} under 16 KiB"})
		return
	}
	var pr Principal
	var err error
	switch {
	case req.Token != "" && req.User == "" && req.Password == "":
		pr, err = m.opts.Store.VerifyToken(r.Context(), req.Token)
	case req.Token == "" && req.User != "":
		select {
		case m.kdf <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		pr, err = m.opts.Store.VerifyUser(r.Context(), req.User, req.Password)
		<-m.kdf
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "sign in with either {\"token\": \"...\"} or {\"user\": \"...\", \"password\": \"...\"}"})
		return
	}
	if err != nil {
		if !errors.Is(err, ErrUnauthenticated) {
			m.log.Error("sign in", "error", err)
		}
		if m.limiter.fail(client) {
			m.log.Warn("sign-in locked out", "remote", client, "failures", MaxLoginFailures, "for", LockoutPeriod)
			until, _ := m.limiter.locked(client)
			m.tooMany(w, until)
			return
		}
		m.refuse(w, r, http.StatusUnauthorized, "sign-in failed: wrong token, user name or password")
		return
	}
	m.limiter.succeed(client)
	id, csrf, exp, err := m.opts.Store.CreateSession(r.Context(), pr, m.opts.SessionTTL)
	if err != nil {
		m.log.Error("sign in", "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not start a session; see the core's log"})
		return
	}
	http.SetCookie(w, m.cookie(id, int(time.Until(exp).Seconds())))
	m.log.Info("signed in", "principal", pr.String(), "scope", pr.Scope, "remote", client)
	writeJSON(w, http.StatusOK, map[string]any{"principal": Principal{Kind: KindSession, ID: pr.ID, Name: pr.Name, Scope: pr.Scope},
		"csrf_token": csrf, "expires_at": exp, "csrf_header": CSRFHeader})
}

func (m *Middleware) tooMany(w http.ResponseWriter, until time.Time) {
	secs := int(time.Until(until).Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": fmt.Sprintf("too many failed sign-ins (%d) from this address; try again in %d s", MaxLoginFailures, secs)})
}

// cookie builds the session cookie; maxAge < 0 deletes it.
func (m *Middleware) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: m.opts.TLS, SameSite: http.SameSiteStrictMode}
}

// clientKey is the rate limit's key: the remote IP.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
