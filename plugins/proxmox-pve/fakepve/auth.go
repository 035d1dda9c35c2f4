package fakepve

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// authenticate checks the API token header or the ticket cookie.
func (f *Fake) authenticate(r *http.Request) (string, *apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h := r.Header.Get("Authorization"); h != "" {
		v, ok := strings.CutPrefix(h, "PVEAPIToken=")
		if !ok {
			return "", &apiError{http.StatusUnauthorized, "invalid authorization header"}
		}
		id, secret, _ := strings.Cut(v, "=")
		if id != f.opts.TokenID || secret != f.opts.TokenSecret {
			return "", &apiError{http.StatusUnauthorized, "invalid token value!"}
		}
		return id, nil
	}
	c, err := r.Cookie("PVEAuthCookie")
	if err != nil {
		return "", &apiError{http.StatusUnauthorized, "No ticket"}
	}
	t, ok := f.tickets[c.Value]
	if !ok || !f.opts.Now().Before(t.expires) {
		return "", &apiError{http.StatusUnauthorized, "authentication failure"}
	}
	if r.Method != http.MethodGet && r.Header.Get("CSRFPreventionToken") != t.csrf {
		return "", &apiError{http.StatusUnauthorized, "Permission denied - invalid csrf token"}
	}
	return t.user, nil
}

// login is POST /access/ticket: a password login, or a renewal with the
// current ticket as the password.
func login(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	user, pass := rq.form["username"], rq.form["password"]
	if realm := rq.form["realm"]; realm != "" && !strings.Contains(user, "@") {
		user += "@" + realm
	}
	switch t, isTicket := f.tickets[pass]; {
	case user == f.opts.Username && pass == f.opts.Password:
		f.logins++
	case isTicket && t.user == user && f.opts.Now().Before(t.expires):
		f.renewals++
	default:
		return nil, &apiError{http.StatusUnauthorized, "authentication failure"}
	}
	tk := "PVE:" + user + ":" + strings.ToUpper(strconv.FormatInt(f.opts.Now().Unix(), 16)) + "::" + randHex(32)
	csrf := strings.ToUpper(strconv.FormatInt(f.opts.Now().Unix(), 16)) + ":" + randHex(16)
	f.tickets[tk] = ticket{user: user, csrf: csrf, expires: f.opts.Now().Add(f.opts.TicketLifetime)}
	out := map[string]any{"username": user, "ticket": tk, "CSRFPreventionToken": csrf}
	if c.Name != "" {
		out["clustername"] = c.Name
	}
	return out, nil
}

func randHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

// has reports whether the caller holds any of privs on "/".
func (f *Fake) has(privs ...string) bool {
	for _, p := range privs {
		for _, g := range f.opts.Privileges {
			if g == p {
				return true
			}
		}
	}
	return false
}
