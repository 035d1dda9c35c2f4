package faketruenas

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsConn is one client socket.
type wsConn struct {
	f      *Fake
	ws     *websocket.Conn
	secure bool

	mu     sync.Mutex
	authed bool
	subs   map[string]string // subscription id -> collection
}

type inRequest struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

func (f *Fake) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(16 << 20)
	c := &wsConn{f: f, ws: ws, secure: r.TLS != nil, subs: map[string]string{}}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		ws.CloseNow()
		return
	}
	f.conns[c] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
		ws.CloseNow()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		_, data, err := ws.Read(r.Context())
		if err != nil {
			return
		}
		var req inRequest
		if err := json.Unmarshal(data, &req); err != nil || req.JSONRPC != "2.0" || req.Method == "" {
			c.send(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": -32600, "message": "Invalid Request"}})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.handle(req)
		}()
	}
}

func (c *wsConn) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, b)
}

// handle answers one request, applying any injected fault.
func (c *wsConn) handle(req inRequest) {
	f := c.f
	f.mu.Lock()
	f.calls[req.Method]++
	ft := f.faults[req.Method]
	if ft == nil && req.Method != "auth.login_with_api_key" {
		ft = f.faults["*"]
	}
	var fault Fault
	if ft != nil {
		fault = *ft
		if ft.Times > 0 {
			ft.Times--
			if ft.Times == 0 {
				for k, v := range f.faults {
					if v == ft {
						delete(f.faults, k)
					}
				}
			}
		}
	}
	f.mu.Unlock()

	if fault.Delay > 0 {
		time.Sleep(fault.Delay)
	}
	switch {
	case fault.Drop:
		c.ws.CloseNow()
		return
	case fault.CloseStatus != 0:
		_ = c.ws.Close(fault.CloseStatus, fault.CloseReason)
		return
	case fault.Malformed:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.ws.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc": "2.0", "id": `+string(req.ID)+`, "result": [{"name": "tank", `))
		return
	case fault.NoMethod:
		c.reply(req.ID, nil, &rpcError{Code: codeMethodNotFound, Message: "Method not found", Reason: "Method " + req.Method + " not found"})
		return
	case fault.ErrName != "":
		c.reply(req.ID, nil, callError(fault.ErrName, fault.Reason))
		return
	}
	result, rerr := c.dispatch(req)
	c.reply(req.ID, result, rerr)
}

func (c *wsConn) reply(id json.RawMessage, result any, e *rpcError) {
	msg := map[string]any{"jsonrpc": "2.0", "id": id}
	if e != nil {
		msg["error"] = e.wire()
	} else {
		msg["result"] = result
	}
	c.send(msg)
}

// dispatch checks login and roles, then runs the method.
func (c *wsConn) dispatch(req inRequest) (any, *rpcError) {
	f := c.f
	if req.Method == "auth.login_with_api_key" {
		return c.login(req.Params)
	}
	if req.Method == "core.ping" {
		return "pong", nil
	}
	h, known := methods[req.Method]
	f.mu.Lock()
	v := f.version
	f.mu.Unlock()
	if known && !methodInVersion(req.Method, v) {
		known = false
	}
	c.mu.Lock()
	authed := c.authed
	c.mu.Unlock()
	if !authed {
		return nil, callError("ENOTAUTHENTICATED", "Not authenticated")
	}
	if !known {
		return nil, &rpcError{Code: codeMethodNotFound, Message: "Method not found", Reason: "Method " + req.Method + " not found"}
	}
	if role := MethodRoles[req.Method]; role != "" && !f.granted(role) {
		return nil, callError("EACCES", "Not authorized")
	}
	return h(c, req.Params)
}

// methodInVersion applies the 25.10 rename of zfs.snapshot.* to
// pool.snapshot.*.
func methodInVersion(method, version string) bool {
	v25_10 := version >= "25.10"
	switch method {
	case "zfs.snapshot.query":
		return !v25_10
	case "pool.snapshot.query":
		return v25_10
	}
	return true
}

func (f *Fake) granted(role string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.opts.Roles {
		switch {
		case r == role, r == RoleFullAdmin:
			return true
		case r == RoleReadonlyAdmin && len(role) > 5 && role[len(role)-5:] == "_READ":
			return true
		}
	}
	return false
}

func (c *wsConn) login(params []json.RawMessage) (any, *rpcError) {
	if len(params) != 1 {
		return nil, callError("EINVAL", "auth.login_with_api_key takes one parameter, the API key")
	}
	var key string
	if err := json.Unmarshal(params[0], &key); err != nil {
		return nil, callError("EINVAL", "api_key: not a string")
	}
	f := c.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.revoked || key != f.opts.APIKey {
		return false, nil
	}
	if !c.secure && !f.opts.KeepInsecureKeys {
		// TrueNAS revokes a key that was sent without TLS.
		f.revoked = true
		return false, nil
	}
	c.mu.Lock()
	c.authed = true
	c.mu.Unlock()
	return true, nil
}

// publish sends a collection_update to every socket subscribed to it.
func (f *Fake) publish(ch Change) {
	f.mu.Lock()
	var targets []*wsConn
	for c := range f.conns {
		c.mu.Lock()
		if slices.Contains(mapValues(c.subs), ch.Collection) {
			targets = append(targets, c)
		}
		c.mu.Unlock()
	}
	f.mu.Unlock()
	params := map[string]any{"msg": ch.Msg, "collection": ch.Collection, "id": ch.ID}
	if ch.Fields != nil {
		params["fields"] = ch.Fields
	}
	for _, c := range targets {
		c.send(map[string]any{"jsonrpc": "2.0", "method": "collection_update", "params": params})
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
