// Package fakeapi is the server half shared by the fake Proxmox Backup
// Server and Mail Gateway (fakepbs, fakepmg): a router of documented path
// templates under /api2/json over HTTPS, API-token and ticket
// authentication, privilege checks, request and byte counting, fault
// injection (status, delay, replaced or truncated body) and response hooks
// through which tests validate every answer against the official schema.
// Product fakes add their model and handlers; handlers run under the
// server's lock, so the model needs no locking of its own.
package fakeapi

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// Product is "PBS" or "PMG": it names the ticket cookie
	// (<Product>AuthCookie) and the token header scheme (<Product>APIToken).
	Product string
	// TokenID and TokenSecret are the API token accepted ("" = none; PMG has
	// no tokens).
	TokenID, TokenSecret string
	// TokenSep separates id and secret in the header: ":" for PBS.
	TokenSep string
	// Username and Password are the ticket login accepted.
	Username, Password string
	// Privileges granted (everywhere); nil means every privilege.
	Privileges []string
	// TicketLifetime is how long a ticket is valid (2 h).
	TicketLifetime time.Duration
	// Now is the clock for tickets; nil means time.Now.
	Now func() time.Time
}

// Error is an error answer: HTTP status and the API's message.
type Error struct {
	Status int
	Msg    string
}

// Denied is a 403 naming the missing privilege the way Proxmox does.
func Denied(path, priv string) *Error {
	return &Error{http.StatusForbidden, "permission check failed (" + path + ", " + priv + ")"}
}

// NotFound is a 404 with a message.
func NotFound(msg string) *Error { return &Error{http.StatusNotFound, msg} }

// Request is what a handler sees.
type Request struct {
	// Params are the {parameters} of the template.
	Params map[string]string
	// Query is the URL query.
	Query url.Values
	// Form is the POST form.
	Form map[string]string
	// User is the authenticated user or token id.
	User string
}

// Paged is a handler result for paging list endpoints: Data is the page and
// Total the full count, sent beside "data" as PMG does.
type Paged struct {
	Data  any
	Total int
}

// Handler answers one request with the envelope's data.
type Handler func(rq *Request) (any, *Error)

// Fault is an injected failure for one path template (or every path).
type Fault struct {
	// Status, when set, answers with this HTTP status and Message.
	Status  int
	Message string
	// Delay holds the answer back (a timeout, from the client's side).
	Delay time.Duration
	// Body, when set, is served instead of the real body (malformed JSON).
	Body string
	// Truncate serves the first half of the real body.
	Truncate bool
}

// Response is one served response, as OnResponse hooks see it.
type Response struct {
	// Method and Path are the request's; Template is the apidoc path
	// template it matched ("" when none did).
	Method, Template, Path string
	// Status and Body are what was sent.
	Status int
	Body   []byte
	// Faulted is set when an injected fault replaced or cut the body.
	Faulted bool
}

type route struct {
	method, template string
	segs             []string
	h                Handler
	public           bool
}

type ticket struct {
	user, csrf string
	expires    time.Time
}

// Server is a running fake Proxmox API. It is safe for concurrent use.
type Server struct {
	opts   Options
	routes []route

	mu       sync.Mutex
	cert     tls.Certificate
	faults   map[string]Fault
	counts   map[string]int
	total    int
	bytes    int64
	tickets  map[string]ticket
	hooks    []func(Response)
	members  []*httptest.Server
	logins   int
	renewals int
}

// New builds a server; add routes before starting it.
func New(o Options) *Server {
	if o.TicketLifetime == 0 {
		o.TicketLifetime = 2 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TokenSep == "" {
		o.TokenSep = "="
	}
	s := &Server{opts: o, faults: map[string]Fault{}, counts: map[string]int{}, tickets: map[string]ticket{}}
	s.add(http.MethodPost, "/access/ticket", s.login, true)
	return s
}

// Handle adds a route: method and a documented path template such as
// "/admin/datastore/{store}/status".
func (s *Server) Handle(method, template string, h Handler) { s.add(method, template, h, false) }

func (s *Server) add(method, template string, h Handler, public bool) {
	s.routes = append(s.routes, route{method, template, strings.Split(strings.Trim(template, "/"), "/"), h, public})
}

// Templates lists every path template served, as "METHOD /path".
func (s *Server) Templates() []string {
	var out []string
	for _, r := range s.routes {
		out = append(out, r.method+" "+r.template)
	}
	return out
}

// Do runs fn under the server's lock (the lock handlers run under): use it
// to change the model while the server runs.
func (s *Server) Do(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}

// Has reports whether priv is granted; call it from handlers.
func (s *Server) Has(priv string) bool {
	if s.opts.Privileges == nil {
		return true
	}
	for _, p := range s.opts.Privileges {
		if p == priv {
			return true
		}
	}
	return false
}

// SetPrivileges replaces the privileges granted (nil: all).
func (s *Server) SetPrivileges(p []string) { s.Do(func() { s.opts.Privileges = p }) }

// SetFault injects a fault on a path template; "" applies to every path.
func (s *Server) SetFault(template string, f Fault) { s.Do(func() { s.faults[template] = f }) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.Do(func() { s.faults = map[string]Fault{} }) }

// OnResponse registers a hook that sees every response served.
func (s *Server) OnResponse(fn func(Response)) { s.Do(func() { s.hooks = append(s.hooks, fn) }) }

// Requests returns the number of requests served so far.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.total }

// Bytes returns the response body bytes served so far.
func (s *Server) Bytes() int64 { s.mu.Lock(); defer s.mu.Unlock(); return s.bytes }

// RequestsByPath returns the requests served per path template.
func (s *Server) RequestsByPath() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// ResetCounts zeroes the request and byte counters.
func (s *Server) ResetCounts() { s.Do(func() { s.counts, s.total, s.bytes = map[string]int{}, 0, 0 }) }

// Logins returns how many password logins and ticket renewals succeeded.
func (s *Server) Logins() (logins, renewals int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins, s.renewals
}

// ExpireTickets invalidates every ticket issued so far.
func (s *Server) ExpireTickets() { s.Do(func() { s.tickets = map[string]ticket{} }) }

// Certificate returns the server's self-signed certificate (made once).
func (s *Server) Certificate() (tls.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cert.Certificate == nil {
		c, err := SelfSigned()
		if err != nil {
			return tls.Certificate{}, err
		}
		s.cert = c
	}
	return s.cert, nil
}

// Start starts one more HTTPS endpoint on 127.0.0.1 and returns its base URL.
func (s *Server) Start() (string, error) {
	cert, err := s.Certificate()
	if err != nil {
		return "", err
	}
	srv := httptest.NewUnstartedServer(s)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	s.Do(func() { s.members = append(s.members, srv) })
	return srv.URL, nil
}

// Close stops every endpoint started with Start.
func (s *Server) Close() {
	var ms []*httptest.Server
	s.Do(func() { ms, s.members = s.members, nil })
	for _, m := range ms {
		m.Close()
	}
}

// apiPrefix is where Proxmox serves its JSON API.
const apiPrefix = "/api2/json"

func (s *Server) match(method, path string) (*route, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	known := false
	var best *route
	var bestParams map[string]string
	bestLit := -1
	for i := range s.routes {
		r := &s.routes[i]
		if len(r.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok, lit := true, 0
		for j, sg := range r.segs {
			if strings.HasPrefix(sg, "{") {
				params[sg[1:len(sg)-1]] = segs[j]
			} else if sg != segs[j] {
				ok = false
				break
			} else {
				lit++
			}
		}
		if !ok {
			continue
		}
		known = true
		if r.method == method && lit > bestLit {
			best, bestParams, bestLit = r, params, lit
		}
	}
	return best, bestParams, known
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	rte, params, known := s.match(r.Method, path)
	if rte == nil {
		status := http.StatusNotImplemented
		if known {
			status = http.StatusMethodNotAllowed
		}
		s.write(w, Response{Method: r.Method, Path: path}, nil, &Error{status, "Method '" + r.Method + " " + path + "' not implemented"})
		return
	}
	resp := Response{Method: r.Method, Template: rte.template, Path: path}
	s.mu.Lock()
	s.total++
	s.counts[rte.template]++
	ft, hasFault := s.faults[rte.template]
	if !hasFault {
		ft, hasFault = s.faults[""]
	}
	s.mu.Unlock()
	if hasFault && ft.Delay > 0 {
		t := time.NewTimer(ft.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if hasFault && ft.Status != 0 {
		s.write(w, resp, nil, &Error{ft.Status, ft.Message})
		return
	}
	rq := &Request{Params: params, Query: r.URL.Query()}
	if r.Method == http.MethodPost {
		rq.Form = readForm(r)
	}
	s.mu.Lock()
	if !rte.public {
		user, aerr := s.authenticate(r)
		if aerr != nil {
			s.mu.Unlock()
			s.write(w, resp, nil, aerr)
			return
		}
		rq.User = user
	}
	data, aerr := rte.h(rq)
	var body []byte
	if aerr == nil {
		var err error
		if p, ok := data.(Paged); ok {
			body, err = json.Marshal(struct {
				Data  any `json:"data"`
				Total int `json:"total"`
			}{p.Data, p.Total})
		} else {
			body, err = json.Marshal(struct {
				Data any `json:"data"`
			}{data})
		}
		if err != nil {
			aerr = &Error{http.StatusInternalServerError, "encode: " + err.Error()}
		}
	}
	s.mu.Unlock()
	if aerr != nil {
		s.write(w, resp, nil, aerr)
		return
	}
	if hasFault {
		switch {
		case ft.Body != "":
			body, resp.Faulted = []byte(ft.Body), true
		case ft.Truncate:
			body, resp.Faulted = body[:len(body)/2], true
		}
	}
	s.write(w, resp, body, nil)
}

// write sends a body or an error the way the Proxmox proxies do: errors
// carry the message in the status line and a {"data":null} body (plus
// "message" here, since Go cannot set a custom reason phrase).
func (s *Server) write(w http.ResponseWriter, resp Response, body []byte, aerr *Error) {
	resp.Status = http.StatusOK
	if aerr != nil {
		resp.Status = aerr.Status
		body, _ = json.Marshal(map[string]any{"data": nil, "message": aerr.Msg})
	}
	resp.Body = body
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(body)
	s.mu.Lock()
	s.bytes += int64(len(body))
	hooks := append([]func(Response){}, s.hooks...)
	s.mu.Unlock()
	for _, h := range hooks {
		h(resp)
	}
}

// authenticate checks the API token header or the ticket cookie; the caller
// holds s.mu.
func (s *Server) authenticate(r *http.Request) (string, *Error) {
	if h := r.Header.Get("Authorization"); h != "" {
		v, ok := strings.CutPrefix(h, s.opts.Product+"APIToken=")
		if !ok || s.opts.TokenID == "" {
			return "", &Error{http.StatusUnauthorized, "invalid authorization header"}
		}
		id, secret, _ := strings.Cut(v, s.opts.TokenSep)
		if id != s.opts.TokenID || secret != s.opts.TokenSecret {
			return "", &Error{http.StatusUnauthorized, "authentication failed - invalid token"}
		}
		return id, nil
	}
	c, err := r.Cookie(s.opts.Product + "AuthCookie")
	if err != nil {
		return "", &Error{http.StatusUnauthorized, "authentication failed - no ticket"}
	}
	t, ok := s.tickets[c.Value]
	if !ok || !s.opts.Now().Before(t.expires) {
		return "", &Error{http.StatusUnauthorized, "authentication failed - invalid ticket"}
	}
	if r.Method != http.MethodGet && r.Header.Get("CSRFPreventionToken") != t.csrf {
		return "", &Error{http.StatusUnauthorized, "Permission denied - invalid csrf token"}
	}
	return t.user, nil
}

// login is POST /access/ticket: a password login, or a renewal with the
// current ticket as the password. It runs under s.mu.
func (s *Server) login(rq *Request) (any, *Error) {
	user, pass := rq.Form["username"], rq.Form["password"]
	if realm := rq.Form["realm"]; realm != "" && !strings.Contains(user, "@") {
		user += "@" + realm
	}
	switch t, isTicket := s.tickets[pass]; {
	case s.opts.Username != "" && user == s.opts.Username && pass == s.opts.Password:
		s.logins++
	case isTicket && t.user == user && s.opts.Now().Before(t.expires):
		s.renewals++
	default:
		return nil, &Error{http.StatusUnauthorized, "authentication failure"}
	}
	now := strings.ToUpper(strconv.FormatInt(s.opts.Now().Unix(), 16))
	tk := s.opts.Product + ":" + user + ":" + now + "::" + randHex(32)
	csrf := now + ":" + randHex(16)
	s.tickets[tk] = ticket{user: user, csrf: csrf, expires: s.opts.Now().Add(s.opts.TicketLifetime)}
	return map[string]any{"username": user, "ticket": tk, "CSRFPreventionToken": csrf}, nil
}

func randHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func readForm(r *http.Request) map[string]string {
	out := map[string]string{}
	if err := r.ParseForm(); err == nil {
		for k := range r.PostForm {
			out[k] = r.PostForm.Get(k)
		}
	}
	return out
}
