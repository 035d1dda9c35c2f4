// Package tnrpc is a JSON-RPC 2.0 client for the TrueNAS middleware over
// WebSocket (TrueNAS 25.04 and later, at /api/current).
//
// A Client holds one persistent WebSocket per configured connection. It dials
// on first use, logs in with auth.login_with_api_key, asks the server its
// version, and keeps the socket for every later call. Calls are multiplexed
// by id, each bounded by its own timeout; a socket that drops fails the calls
// in flight at once and is dialled again on the next call, with capped
// exponential backoff after failures. Long-running methods return a job id
// that WaitJob follows to completion through core.get_jobs. Subscribe
// delivers collection_update events.
//
// An API key is never sent over plain ws:// unless AllowInsecure is set:
// TrueNAS revokes a key that was sent without TLS.
package tnrpc

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options configure a Client.
type Options struct {
	// URL is the WebSocket endpoint, wss://host/api/current.
	URL string
	// APIKey authenticates the session.
	APIKey string
	// TLS is the client TLS configuration for wss://.
	TLS *tls.Config
	// AllowInsecure permits ws:// (the key then travels in clear text).
	AllowInsecure bool
	// CallTimeout bounds each call (default 30s); a caller's deadline that
	// comes sooner wins.
	CallTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between failed dials
	// (default 1s and 30s).
	BackoffMin, BackoffMax time.Duration
	// JobPoll is the first interval between core.get_jobs polls (default
	// 100ms, doubling to 2s).
	JobPoll time.Duration
	// ReadLimit bounds one incoming message (default 256 MiB).
	ReadLimit int64
	// Log receives connection events.
	Log hclog.Logger
}

// Stats count the traffic of a Client since it was made.
type Stats struct {
	// MessagesSent and MessagesReceived count WebSocket messages.
	MessagesSent, MessagesReceived int64
	// BytesSent and BytesReceived count their payload bytes.
	BytesSent, BytesReceived int64
	// Dials counts WebSocket connections opened.
	Dials int64
}

// Client is a TrueNAS JSON-RPC client for one endpoint. It is safe for
// concurrent use.
type Client struct {
	opts Options
	hc   *http.Client

	mu       sync.Mutex
	sess     *session
	dialing  chan struct{}
	lastErr  error
	nextDial time.Time
	backoff  time.Duration
	closed   bool

	msgsOut, msgsIn, bytesOut, bytesIn, dials atomic.Int64
}

// New checks the options and builds a client; it does no network I/O.
func New(o Options) (*Client, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not a URL; write e.g. wss://truenas.example/api/current", o.URL)
	}
	switch u.Scheme {
	case "wss":
	case "ws":
		if !o.AllowInsecure {
			return nil, fmt.Errorf("%w: endpoint %s is plain ws://, which would send the API key without TLS (TrueNAS revokes keys sent that way); use wss://, or set allow_insecure_transport = true for a lab", ErrInsecureTransport, o.URL)
		}
	default:
		return nil, fmt.Errorf("endpoint %s: scheme %q is not wss (or ws with allow_insecure_transport)", o.URL, u.Scheme)
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 30 * time.Second
	}
	if o.JobPoll <= 0 {
		o.JobPoll = 100 * time.Millisecond
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = 256 << 20
	}
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	tr := &http.Transport{TLSClientConfig: o.TLS, ForceAttemptHTTP2: false, MaxIdleConns: 1, IdleConnTimeout: 30 * time.Second}
	return &Client{opts: o, hc: &http.Client{Transport: tr}, backoff: o.BackoffMin}, nil
}

// Stats returns the traffic counters.
func (c *Client) Stats() Stats {
	return Stats{
		MessagesSent: c.msgsOut.Load(), MessagesReceived: c.msgsIn.Load(),
		BytesSent: c.bytesOut.Load(), BytesReceived: c.bytesIn.Load(), Dials: c.dials.Load(),
	}
}

// Connected reports whether a logged-in socket is open.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess != nil && c.sess.alive()
}

// Version is the server's version, as asked after login.
type Version struct {
	// Raw is what system.info reported, e.g. "25.10.1".
	Raw string
	// Major and Minor are its first two numbers (25 and 10).
	Major, Minor int
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)`)

// ParseVersion reads "25.04.2", "TrueNAS-25.10.1" or "TrueNAS-SCALE-24.10.2".
func ParseVersion(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return Version{Raw: s}, fmt.Errorf("version %q holds no major.minor number", s)
	}
	maj, _ := strconv.Atoi(m[1])
	mnr, _ := strconv.Atoi(m[2])
	return Version{Raw: s, Major: maj, Minor: mnr}, nil
}

// AtLeast reports whether v is major.minor or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// ServerVersion returns the version of the current session's server,
// dialling when needed.
func (c *Client) ServerVersion(ctx context.Context) (Version, error) {
	s, err := c.session(ctx)
	if err != nil {
		return Version{}, err
	}
	return s.version, nil
}

// Close ends the session (if any) and refuses later calls.
func (c *Client) Close() {
	c.mu.Lock()
	s := c.sess
	c.sess, c.closed = nil, true
	c.mu.Unlock()
	if s != nil {
		s.close("client closed")
	}
	c.hc.CloseIdleConnections()
}

// Reset drops the current session; the next call dials again at once.
func (c *Client) Reset() {
	c.mu.Lock()
	s := c.sess
	c.sess, c.lastErr = nil, nil
	c.mu.Unlock()
	if s != nil {
		s.close("reset")
	}
}

// session returns the live session, dialling one when there is none. After
// a failed dial, calls fail fast with that error until the backoff expires.
func (c *Client) session(ctx context.Context) (*session, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClosed
		}
		if s := c.sess; s != nil && s.alive() {
			c.mu.Unlock()
			return s, nil
		}
		if ch := c.dialing; ch != nil {
			c.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if wait := time.Until(c.nextDial); c.lastErr != nil && wait > 0 {
			err := c.lastErr
			c.mu.Unlock()
			return nil, fmt.Errorf("%w (next attempt in %s)", err, wait.Round(time.Millisecond))
		}
		ch := make(chan struct{})
		c.dialing = ch
		c.mu.Unlock()

		s, err := c.dial(ctx)

		c.mu.Lock()
		c.dialing = nil
		close(ch)
		switch {
		case err == nil && c.closed:
			c.mu.Unlock()
			s.close("client closed")
			return nil, ErrClosed
		case err == nil:
			c.sess, c.lastErr, c.backoff = s, nil, c.opts.BackoffMin
			c.mu.Unlock()
			return s, nil
		case ctx.Err() != nil:
			// The caller gave up: not the server's fault, no backoff.
			c.mu.Unlock()
			return nil, err
		default:
			c.lastErr = err
			c.nextDial = time.Now().Add(c.backoff)
			c.opts.Log.Warn("truenas connection failed", "url", c.opts.URL, "error", err, "retry_in", c.backoff)
			c.backoff = min(c.backoff*2, c.opts.BackoffMax)
			c.mu.Unlock()
			return nil, err
		}
	}
}

// Call invokes method with params (nil means none) and decodes the result
// into out (nil discards it).
func (c *Client) Call(ctx context.Context, method string, params []any, out any) error {
	s, err := c.session(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	return s.call(ctx, method, params, out)
}
