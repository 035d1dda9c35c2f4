// Package client is the one thin HTTP client the three Proxmox adapters
// (proxmox-pve, proxmox-pbs, proxmox-pmg) share. It speaks what the three
// APIs have in common: JSON under /api2/json wrapped in a {"data": ...}
// envelope; API tokens (PVE "PVEAPIToken=user@realm!name=secret", PBS
// "PBSAPIToken=user@realm!name:secret") or ticket login (POST /access/ticket,
// a <Product>AuthCookie plus CSRFPreventionToken, renewed before it expires
// and redone when refused); TLS through the SDK's config (CA bundle or
// fingerprint pin); endpoint failover that remembers the last good member;
// and error mapping onto APIError and the package's sentinel errors.
//
// Field names, types and units of each endpoint are the adapters' business:
// they decode into their own structs, written from the official schemas.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Ticket lifetimes shared by PVE, PBS and PMG: tickets are valid for 2 h;
// the client renews after 1 h.
const (
	DefaultTicketLifetime = 2 * time.Hour
	DefaultTicketRenew    = time.Hour
)

// PVEToken is the Authorization header of a Proxmox VE API token.
func PVEToken(id, secret string) string { return "PVEAPIToken=" + id + "=" + secret }

// PBSToken is the Authorization header of a Proxmox Backup Server API token
// (a colon where PVE has "=").
func PBSToken(id, secret string) string { return "PBSAPIToken=" + id + ":" + secret }

// Options configure a Client.
type Options struct {
	// Product names the API in messages and the ticket cookie: "PVE",
	// "PBS" or "PMG" (cookie PVEAuthCookie, PBSAuthCookie, PMGAuthCookie).
	Product string
	// Endpoints are base URLs such as https://pve1:8006, tried in turn.
	Endpoints []string
	// Token is the full Authorization header value (PVEToken, PBSToken);
	// empty means ticket login with Username and Password.
	Token string
	// TokenID names the token in messages (never the secret).
	TokenID string
	// Username and Password are the ticket login.
	Username, Password string
	// TLS is the transport's TLS configuration (sdk.TLSConfig.ClientConfig).
	TLS *tls.Config
	// Timeout bounds each request; default 15 s.
	Timeout time.Duration
	// Now is the clock for ticket age; nil means time.Now.
	Now func() time.Time
	// Log receives failover and login messages.
	Log hclog.Logger
	// UserAgent is sent with every request.
	UserAgent string
	// TicketLifetime and TicketRenew override the 2 h / 1 h defaults.
	TicketLifetime, TicketRenew time.Duration
}

// Client talks to one Proxmox installation through any of its endpoints.
// It is safe for concurrent use.
type Client struct {
	o     Options
	log   hclog.Logger
	hc    *http.Client
	reqs  atomic.Int64
	bytes atomic.Int64

	mu   sync.Mutex
	good int // index of the endpoint that answered last

	auth struct {
		sync.Mutex
		ticket, csrf string
		issued       time.Time
	}
}

// New builds a client; it does no network I/O.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	if o.TicketLifetime <= 0 {
		o.TicketLifetime = DefaultTicketLifetime
	}
	if o.TicketRenew <= 0 {
		o.TicketRenew = DefaultTicketRenew
	}
	if o.Product == "" {
		o.Product = "PVE"
	}
	dialTimeout := min(o.Timeout, 5*time.Second)
	tr := &http.Transport{
		TLSClientConfig:     o.TLS,
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: dialTimeout,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	return &Client{o: o, log: o.Log, hc: &http.Client{Timeout: o.Timeout, Transport: tr}}
}

// Close drops idle connections. Proxmox has no logout: tickets expire.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Requests returns how many HTTP requests the client has sent.
func (c *Client) Requests() int64 { return c.reqs.Load() }

// Bytes returns how many response body bytes the client has read.
func (c *Client) Bytes() int64 { return c.bytes.Load() }

// Endpoints returns the configured endpoints.
func (c *Client) Endpoints() []string { return c.o.Endpoints }

// UsesToken reports whether the client authenticates with an API token.
func (c *Client) UsesToken() bool { return c.o.Token != "" }

// Identity names the credentials for messages: "API token <id>" or
// "ticket login as <user>".
func (c *Client) Identity() string {
	if c.UsesToken() {
		return "API token " + c.o.TokenID
	}
	return "ticket login as " + c.o.Username
}

// Get reads path (e.g. "/version", with an optional query) into v from the
// endpoint that answered last, failing over to the next ones when it is
// down. With ticket auth it logs in or renews first, and logs in again once
// when the ticket is refused.
func (c *Client) Get(ctx context.Context, path string, v any) error {
	err := c.withAuth(ctx, func() error {
		return c.failover(ctx, func(base string) error { return c.do(ctx, base, http.MethodGet, path, nil, v) })
	})
	if err != nil {
		return fmt.Errorf("get %s: %w", stripQuery(path), err)
	}
	return nil
}

// GetTotal is Get for list endpoints that page: it also returns the
// envelope's "total" member (the full count when limit cut the list), or
// -1 when the answer has none.
func (c *Client) GetTotal(ctx context.Context, path string, v any) (int64, error) {
	env := envelope{Data: v}
	err := c.withAuth(ctx, func() error {
		return c.failover(ctx, func(base string) error { return c.do(ctx, base, http.MethodGet, path, nil, &env) })
	})
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", stripQuery(path), err)
	}
	if env.Total == nil {
		return -1, nil
	}
	return *env.Total, nil
}

// GetFrom reads path from endpoint i only, without failover (for checks
// that test every endpoint).
func (c *Client) GetFrom(ctx context.Context, i int, path string, v any) error {
	return c.withAuth(ctx, func() error { return c.do(ctx, c.o.Endpoints[i], http.MethodGet, path, nil, v) })
}

func (c *Client) withAuth(ctx context.Context, fn func() error) error {
	if err := c.ensureTicket(ctx); err != nil {
		return err
	}
	err := fn()
	if err != nil && !c.UsesToken() && errors.Is(err, ErrUnauthorized) {
		c.forget()
		if lerr := c.ensureTicket(ctx); lerr != nil {
			return lerr
		}
		err = fn()
	}
	return err
}

func stripQuery(p string) string {
	s, _, _ := strings.Cut(p, "?")
	return s
}

// failover runs fn against each endpoint in turn, starting with the last
// good one, moving on only when an endpoint is down.
func (c *Client) failover(ctx context.Context, fn func(base string) error) error {
	c.mu.Lock()
	start := c.good
	c.mu.Unlock()
	n := len(c.o.Endpoints)
	if n == 0 {
		return errors.New("no endpoint configured")
	}
	var errs []error
	for i := range n {
		idx := (start + i) % n
		base := c.o.Endpoints[idx]
		err := fn(base)
		if err == nil || !memberDown(err) || ctx.Err() != nil {
			if err == nil && idx != start {
				c.mu.Lock()
				c.good = idx
				c.mu.Unlock()
				c.log.Info("failed over to another endpoint", "endpoint", base)
			}
			return err
		}
		c.log.Warn("endpoint unreachable", "endpoint", base, "error", err)
		errs = append(errs, fmt.Errorf("%s: %w", base, err))
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("all %d endpoints failed: %w", len(errs), errors.Join(errs...))
}

// do sends one request and decodes the envelope's data into v (nil: ignore).
func (c *Client) do(ctx context.Context, base, method, path string, form url.Values, v any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/api2/json"+path, body)
	if err != nil {
		return err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if c.o.UserAgent != "" {
		req.Header.Set("User-Agent", c.o.UserAgent)
	}
	if !strings.HasSuffix(path, "/access/ticket") {
		c.setAuth(req)
	}
	c.reqs.Add(1)
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	c.bytes.Add(int64(len(raw)))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		msg := strings.TrimSpace(strings.TrimPrefix(res.Status, fmt.Sprint(res.StatusCode)))
		if m := parseErrorBody(raw); m != "" && (msg == "" || msg == http.StatusText(res.StatusCode)) {
			msg = m
		}
		return &APIError{Status: res.StatusCode, Message: msg, Path: stripQuery(path)}
	}
	if err != nil {
		return err // the body broke off: the endpoint is down mid-answer
	}
	if v == nil {
		return nil
	}
	env, ok := v.(*envelope)
	if !ok {
		env = &envelope{Data: v}
	}
	if err := env.decode(raw); err != nil {
		return &malformed{product: c.o.Product, path: stripQuery(path), err: err}
	}
	if !env.seen {
		return &malformed{product: c.o.Product, path: stripQuery(path), err: errors.New(`no "data" member`)}
	}
	return nil
}

// envelope is {"data": ..., "total": n}; seen records that "data" was
// present. It decodes in one pass straight into Data's target.
type envelope struct {
	Data  any
	Total *int64
	seen  bool
}

// decode reads b into e. It is not an UnmarshalJSON method: json.Unmarshal
// validates the whole input before calling one, and the method's own
// Unmarshal would validate it again (a second full scan of what can be
// megabytes, e.g. /cluster/resources of 5,000 guests).
func (e *envelope) decode(b []byte) error {
	w := struct {
		Data  any    `json:"data"`
		Total *int64 `json:"total"`
	}{Data: e.Data}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	e.Total = w.Total
	// Data still holds the caller's pointer when "data" was absent (or
	// null); look for the member itself.
	e.seen = bytes.Contains(b, []byte(`"data"`))
	return nil
}

// setAuth sets the token header or the ticket cookie and CSRF token.
func (c *Client) setAuth(req *http.Request) {
	if c.o.Token != "" {
		req.Header.Set("Authorization", c.o.Token)
		return
	}
	c.auth.Lock()
	defer c.auth.Unlock()
	if c.auth.ticket != "" {
		req.AddCookie(&http.Cookie{Name: c.o.Product + "AuthCookie", Value: c.auth.ticket})
		req.Header.Set("CSRFPreventionToken", c.auth.csrf)
	}
}

// ticketAnswer is the data of POST /access/ticket.
type ticketAnswer struct {
	Ticket string `json:"ticket"`
	CSRF   string `json:"CSRFPreventionToken"`
}

// ensureTicket logs in, or renews a ticket older than TicketRenew with the
// ticket itself as the password. It does nothing with token auth.
func (c *Client) ensureTicket(ctx context.Context) error {
	if c.UsesToken() {
		return nil
	}
	c.auth.Lock()
	ticket, issued := c.auth.ticket, c.auth.issued
	c.auth.Unlock()
	now := c.o.Now()
	if ticket != "" && now.Sub(issued) < c.o.TicketRenew {
		return nil
	}
	login := func(password string) (ticketAnswer, error) {
		var t ticketAnswer
		form := url.Values{"username": {c.o.Username}, "password": {password}}
		err := c.failover(ctx, func(base string) error { return c.do(ctx, base, http.MethodPost, "/access/ticket", form, &t) })
		return t, err
	}
	var t ticketAnswer
	var err error
	if ticket != "" && now.Sub(issued) < c.o.TicketLifetime-time.Minute {
		t, err = login(ticket) // renewal
		if err != nil && errors.Is(err, ErrUnauthorized) {
			t, err = login(c.o.Password)
		}
	} else {
		t, err = login(c.o.Password)
	}
	if err != nil {
		return fmt.Errorf("login as %s: %w", c.o.Username, err)
	}
	if t.Ticket == "" {
		return fmt.Errorf("login as %s: the answer carried no ticket", c.o.Username)
	}
	c.auth.Lock()
	c.auth.ticket, c.auth.csrf, c.auth.issued = t.Ticket, t.CSRF, now
	c.auth.Unlock()
	return nil
}

func (c *Client) forget() {
	c.auth.Lock()
	c.auth.ticket, c.auth.csrf = "", ""
	c.auth.Unlock()
}
