package tnrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// request is a JSON-RPC 2.0 request.
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

// frame is any message the server sends: a response (id) or a
// notification (method, no id).
type frame struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *wireError      `json:"error"`
}

// reply is what a pending call receives.
type reply struct {
	result json.RawMessage
	rpcErr *wireError
	err    error
}

// session is one logged-in WebSocket.
type session struct {
	c       *Client
	ws      *websocket.Conn
	version Version
	// lastRecv is when the last frame arrived (unix nanoseconds).
	lastRecv atomic.Int64
	// probing is set while probe runs.
	probing atomic.Bool

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan reply
	subs    map[*Subscription]bool
	done    chan struct{}
	err     error
}

// dial opens a socket, logs in and asks the version.
func (c *Client) dial(ctx context.Context) (*session, error) {
	dctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, c.opts.URL, &websocket.DialOptions{HTTPClient: c.hc})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("connect %s: HTTP %s: %w", c.opts.URL, resp.Status, err)
		}
		return nil, fmt.Errorf("connect %s: %w", c.opts.URL, err)
	}
	c.dials.Add(1)
	ws.SetReadLimit(c.opts.ReadLimit)
	s := &session{c: c, ws: ws, pending: map[int64]chan reply{}, subs: map[*Subscription]bool{}, done: make(chan struct{})}
	s.lastRecv.Store(time.Now().UnixNano())
	go s.readLoop()
	var ok bool
	if err := s.call(dctx, "auth.login_with_api_key", []any{c.opts.APIKey}, &ok); err != nil {
		s.close("login failed")
		return nil, fmt.Errorf("login: %w", err)
	}
	if !ok {
		s.close("login refused")
		return nil, fmt.Errorf("login: %w: auth.login_with_api_key answered false (wrong, expired or revoked key)", ErrLoginRefused)
	}
	var info struct {
		Version string `json:"version"`
	}
	if err := s.call(dctx, "system.info", nil, &info); err != nil {
		s.close("version unknown")
		return nil, fmt.Errorf("ask the server version: %w", err)
	}
	v, err := ParseVersion(info.Version)
	if err != nil {
		s.close("version unknown")
		return nil, fmt.Errorf("server version: %w", err)
	}
	s.version = v
	c.opts.Log.Debug("truenas session open", "url", c.opts.URL, "version", v.Raw)
	return s, nil
}

func (s *session) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// fail ends the session with err: every pending call and subscription
// learns it at once.
func (s *session) fail(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = err
	close(s.done)
	pending := s.pending
	s.pending = map[int64]chan reply{}
	subs := s.subs
	s.subs = map[*Subscription]bool{}
	s.mu.Unlock()
	for _, ch := range pending {
		ch <- reply{err: err}
	}
	for sub := range subs {
		sub.end(err)
	}
}

// close ends the session from our side.
func (s *session) close(why string) {
	s.fail(fmt.Errorf("%w: %s", ErrConnectionLost, why))
	_ = s.ws.Close(websocket.StatusNormalClosure, why)
}

// readLoop dispatches every frame until the socket ends.
func (s *session) readLoop() {
	for {
		_, data, err := s.ws.Read(context.Background())
		if err != nil {
			s.fail(describeReadError(err))
			s.ws.CloseNow()
			return
		}
		s.lastRecv.Store(time.Now().UnixNano())
		s.c.msgsIn.Add(1)
		s.c.bytesIn.Add(int64(len(data)))
		var f frame
		if err := json.Unmarshal(data, &f); err != nil || f.JSONRPC != "2.0" {
			why := "not JSON-RPC 2.0"
			if err != nil {
				why = "not JSON: " + err.Error()
			}
			s.fail(fmt.Errorf("%w: malformed frame from the server (%s)", ErrProtocol, why))
			_ = s.ws.Close(websocket.StatusProtocolError, "malformed frame")
			return
		}
		if len(f.ID) == 0 || string(f.ID) == "null" {
			if f.Method != "" {
				s.notify(f.Method, f.Params)
				continue
			}
			if f.Error != nil { // an error about a request the server could not parse
				s.fail(fmt.Errorf("%w: server reported %s", ErrProtocol, f.Error.toError("(unparsed request)")))
				_ = s.ws.Close(websocket.StatusProtocolError, "protocol error")
				return
			}
			continue
		}
		var id int64
		if err := json.Unmarshal(f.ID, &id); err != nil {
			continue // not one of ours: our ids are integers
		}
		s.mu.Lock()
		ch := s.pending[id]
		delete(s.pending, id)
		s.mu.Unlock()
		if ch != nil {
			ch <- reply{result: f.Result, rpcErr: f.Error}
		}
	}
}

// describeReadError turns the end of a socket into an error that says how
// it ended.
func describeReadError(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == websocket.StatusNormalClosure {
			return fmt.Errorf("%w: the server closed the connection (%q)", ErrConnectionLost, ce.Reason)
		}
		return fmt.Errorf("%w: the server closed the connection with status %d (%s): %q", ErrConnectionLost, int(ce.Code), ce.Code, ce.Reason)
	}
	return fmt.Errorf("%w: %v", ErrConnectionLost, err)
}

// call sends one request and waits for its answer, the socket's end, or the
// per-call timeout.
func (s *session) call(ctx context.Context, method string, params []any, out any) error {
	ctx, cancel := context.WithTimeout(ctx, s.c.opts.CallTimeout)
	defer cancel()
	if params == nil {
		params = []any{}
	}
	ch := make(chan reply, 1)
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return fmt.Errorf("%s: %w", method, err)
	}
	s.nextID++
	id := s.nextID
	s.pending[id] = ch
	s.mu.Unlock()

	msg, err := json.Marshal(request{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		s.forget(id)
		return fmt.Errorf("%s: encode params: %w", method, err)
	}
	if err := s.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		s.forget(id)
		s.fail(fmt.Errorf("%w: send: %v", ErrConnectionLost, err))
		s.ws.CloseNow()
		return fmt.Errorf("%s: send: %w", method, err)
	}
	sent := time.Now()
	s.c.msgsOut.Add(1)
	s.c.bytesOut.Add(int64(len(msg)))
	select {
	case r := <-ch:
		switch {
		case r.err != nil:
			return fmt.Errorf("%s: %w", method, r.err)
		case r.rpcErr != nil:
			return r.rpcErr.toError(method)
		case out != nil:
			if err := json.Unmarshal(r.result, out); err != nil {
				return fmt.Errorf("%s: decode result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		s.forget(id)
		if time.Unix(0, s.lastRecv.Load()).Before(sent) && s.alive() {
			go s.probe()
		}
		return fmt.Errorf("%s: no answer: %w", method, ctx.Err())
	}
}

func (s *session) forget(id int64) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

// probe runs after a call timed out with nothing at all received while it
// waited: it pings, and when the ping gets no answer either, the server is
// hung or the connection half-open, so the socket is dropped and the next
// call dials a fresh one. A server that is merely slow on one method keeps
// its socket. The probe is detached from the caller, bounded by the call
// timeout, and runs at most once at a time.
func (s *session) probe() {
	if !s.probing.CompareAndSwap(false, true) {
		return
	}
	defer s.probing.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), s.c.opts.CallTimeout)
	defer cancel()
	err := s.call(ctx, "core.ping", nil, nil)
	if errors.Is(err, context.DeadlineExceeded) && s.alive() {
		s.fail(fmt.Errorf("%w: the server answered nothing, not even core.ping, for %s", ErrConnectionLost, 2*s.c.opts.CallTimeout))
		s.ws.CloseNow()
	}
}
