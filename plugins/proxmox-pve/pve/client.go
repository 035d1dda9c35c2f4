package pve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	proxmox "github.com/luthermonson/go-proxmox"
)

// Ticket lifetimes: PVE tickets are valid for 2 h; renew after 1 h.
const (
	ticketLifetime = 2 * time.Hour
	ticketRenew    = time.Hour
)

// client talks to one PVE cluster through any of its members. It uses
// go-proxmox's Client for the wire (one per member, sharing one
// http.Client) and its generic Get into the adapter's own structs; auth
// headers come from one shared authenticator, so a ticket obtained from one
// member serves them all (tickets are cluster-wide).
type client struct {
	log     hclog.Logger
	members []member
	auth    *authenticator
	now     func() time.Time
	hc      *http.Client
	reqs    atomic.Int64

	mu   sync.Mutex
	good int // index of the member that answered last
}

type member struct {
	url string
	px  *proxmox.Client
}

// authenticator holds the credentials and the current ticket.
type authenticator struct {
	tokenHeader    string
	user, password string

	mu     sync.Mutex
	ticket string
	csrf   string
	issued time.Time
}

func newClient(cfg config, tlsCfg *tls.Config, timeout time.Duration, now func() time.Time, log hclog.Logger) *client {
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	dialTimeout := min(timeout, 5*time.Second)
	c := &client{log: log, now: now, auth: &authenticator{user: cfg.Username, password: cfg.Password}}
	if cfg.TokenID != "" {
		c.auth.tokenHeader = "PVEAPIToken=" + cfg.TokenID + "=" + cfg.TokenSecret
	}
	tr := &http.Transport{
		TLSClientConfig:     tlsCfg,
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: dialTimeout,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	c.hc = &http.Client{Timeout: timeout, Transport: &statusTransport{next: tr, count: &c.reqs}}
	for _, e := range cfg.Endpoints {
		c.members = append(c.members, member{url: e, px: proxmox.NewClient(e+"/api2/json",
			proxmox.WithHTTPClient(c.hc),
			proxmox.WithUserAgent("pulse-proxmox-pve/"+Version),
			proxmox.WithRequestInterceptor(c.auth.apply),
		)})
	}
	return c
}

// close drops idle connections.
func (c *client) close() { c.hc.CloseIdleConnections() }

// requests returns how many HTTP requests the client has sent.
func (c *client) requests() int64 { return c.reqs.Load() }

// apply sets the auth headers on a request (a go-proxmox interceptor).
func (a *authenticator) apply(req *http.Request) error {
	if strings.HasSuffix(req.URL.Path, "/access/ticket") {
		return nil
	}
	if a.tokenHeader != "" {
		req.Header.Set("Authorization", a.tokenHeader)
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ticket != "" {
		req.Header.Set("Cookie", "PVEAuthCookie="+a.ticket)
		req.Header.Set("CSRFPreventionToken", a.csrf)
	}
	return nil
}

// get reads path into v from the member that answered last, failing over
// to the next members when it is down. With ticket auth it logs in or
// renews first, and once more when the ticket is refused.
func (c *client) get(ctx context.Context, path string, v any) error {
	if err := c.ensureTicket(ctx); err != nil {
		return err
	}
	err := c.failover(ctx, func(m member) error { return m.px.Get(ctx, path, v) })
	if err != nil && c.auth.tokenHeader == "" && statusIs(err, http.StatusUnauthorized) {
		c.auth.forget()
		if lerr := c.ensureTicket(ctx); lerr != nil {
			return lerr
		}
		err = c.failover(ctx, func(m member) error { return m.px.Get(ctx, path, v) })
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	return nil
}

// failover runs fn against each member in turn, starting with the last good.
func (c *client) failover(ctx context.Context, fn func(m member) error) error {
	c.mu.Lock()
	start := c.good
	c.mu.Unlock()
	var errs []error
	for i := range c.members {
		idx := (start + i) % len(c.members)
		m := c.members[idx]
		err := fn(m)
		if ae, ok := apiError(err); ok {
			err = ae // drop net/url's "Get <url>:" wrapping of an API answer
		}
		if err == nil || !memberDown(err) || ctx.Err() != nil {
			if err == nil && idx != start {
				c.mu.Lock()
				c.good = idx
				c.mu.Unlock()
				c.log.Info("failed over to another cluster member", "endpoint", m.url)
			}
			return err
		}
		c.log.Warn("cluster member unreachable", "endpoint", m.url, "error", err)
		errs = append(errs, fmt.Errorf("%s: %w", m.url, err))
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("all %d endpoints failed: %w", len(errs), errors.Join(errs...))
}

// ensureTicket logs in, or renews a ticket older than an hour (PVE tickets
// expire after two). It does nothing with token auth.
func (c *client) ensureTicket(ctx context.Context) error {
	a := c.auth
	if a.tokenHeader != "" {
		return nil
	}
	a.mu.Lock()
	ticket, issued := a.ticket, a.issued
	a.mu.Unlock()
	now := c.now()
	if ticket != "" && now.Sub(issued) < ticketRenew {
		return nil
	}
	password := a.password
	if ticket != "" && now.Sub(issued) < ticketLifetime-time.Minute {
		password = ticket // renewal: the current ticket is the password
	}
	var sess *proxmox.Session
	err := c.failover(ctx, func(m member) error {
		s, err := m.px.Ticket(ctx, &proxmox.Credentials{Username: a.user, Password: password})
		sess = s
		return err
	})
	if err != nil && password != a.password && statusIs(err, http.StatusUnauthorized) {
		err = c.failover(ctx, func(m member) error {
			s, err := m.px.Ticket(ctx, &proxmox.Credentials{Username: a.user, Password: a.password})
			sess = s
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("login as %s: %w", a.user, err)
	}
	if sess == nil || sess.Ticket == "" {
		return fmt.Errorf("login as %s: the answer carried no ticket", a.user)
	}
	a.mu.Lock()
	a.ticket, a.csrf, a.issued = sess.Ticket, sess.CSRFPreventionToken, now
	a.mu.Unlock()
	return nil
}

func (a *authenticator) forget() {
	a.mu.Lock()
	a.ticket, a.csrf = "", ""
	a.mu.Unlock()
}

// statusTransport counts requests and turns every non-2xx answer into an
// *APIError carrying PVE's message, before go-proxmox sees it (go-proxmox
// folds 401 and 403 into one error and drops the message naming the missing
// privilege).
type statusTransport struct {
	next  http.RoundTripper
	count *atomic.Int64
}

func (t *statusTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.count.Add(1)
	res, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return res, nil
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	msg := strings.TrimSpace(strings.TrimPrefix(res.Status, fmt.Sprint(res.StatusCode)))
	if m := parseErrorBody(body); m != "" && (msg == "" || msg == http.StatusText(res.StatusCode)) {
		msg = m
	}
	path := strings.TrimPrefix(req.URL.Path, "/api2/json")
	return nil, &APIError{Status: res.StatusCode, Message: msg, Path: path}
}
