package agentgw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/pulsehost/pulse/core/agentwire"
)

// ErrAgentOffline: the agent has no command channel open.
var ErrAgentOffline = errors.New("agent offline")

// ErrAgentRefused: the agent refused the command; nothing ran.
var ErrAgentRefused = errors.New("the agent refused")

// channel is one agent's open command channel.
type channel struct {
	fp    string
	conn  *websocket.Conn
	hello agentwire.Hello
	mu    sync.Mutex // serializes writes
	wait  map[string]chan agentwire.CommandResult
	wmu   sync.Mutex // guards wait
}

// channels are the open command channels and the hello nonces seen.
type channels struct {
	mu     sync.Mutex
	open   map[string]*channel  // fingerprint -> channel
	nonces map[string]time.Time // nonce -> when seen
}

func (c *channels) init() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open, c.nonces = map[string]*channel{}, map[string]time.Time{}
	}
}

// commands upgrades an authenticated agent to its command channel.
func (g *Gateway) commands(w http.ResponseWriter, r *http.Request) {
	g.chans.init()
	now := g.now()
	sig, err := signature(r)
	if err != nil {
		g.fail(w, r, err)
		return
	}
	hello, body, err := agentwire.ParseHello(r.Header.Get(agentwire.HeaderHello), now)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	fp := agentwire.Fingerprint(sig.PublicKey)
	pub, _, err := g.agentKey(r.Context(), fp)
	if err != nil {
		g.fail(w, r, err)
		return
	}
	if err := sig.Verify(pub, agentwire.NamespaceCommands, body); err != nil {
		writeError(w, http.StatusUnauthorized, fmt.Sprintf("hello signature: %v (sign the hello with the enrolled key, namespace %s)", err, agentwire.NamespaceCommands))
		return
	}
	if hello.Fingerprint != fp {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("hello fingerprint %s is not the signing key's %s", hello.Fingerprint, fp))
		return
	}
	g.chans.mu.Lock()
	for n, at := range g.chans.nonces {
		if now.Sub(at) > 2*agentwire.MaxClockSkew {
			delete(g.chans.nonces, n)
		}
	}
	_, replay := g.chans.nonces[hello.Nonce]
	g.chans.nonces[hello.Nonce] = now
	g.chans.mu.Unlock()
	if replay {
		writeError(w, http.StatusConflict, "hello nonce already used (a replayed hello)")
		return
	}
	// The listener's read timeout must not end a long-lived channel.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		g.log.Warn("command channel upgrade failed", "fingerprint", fp, "error", err)
		return
	}
	ch := &channel{fp: fp, conn: conn, hello: hello, wait: map[string]chan agentwire.CommandResult{}}
	g.chans.mu.Lock()
	if old := g.chans.open[fp]; old != nil {
		_ = old.conn.Close(websocket.StatusPolicyViolation, "replaced by a newer channel")
	}
	g.chans.open[fp] = ch
	g.chans.mu.Unlock()
	g.log.Info("agent command channel open", "fingerprint", fp, "commands_enabled", hello.CommandsEnabled, "actions", hello.Actions)
	ctx := r.Context()
	go g.keepalive(ctx, ch)
	err = g.readResults(ctx, ch)
	g.chans.mu.Lock()
	if g.chans.open[fp] == ch {
		delete(g.chans.open, fp)
	}
	g.chans.mu.Unlock()
	ch.failAll()
	_ = conn.CloseNow()
	g.log.Info("agent command channel closed", "fingerprint", fp, "reason", err)
}

func (g *Gateway) keepalive(ctx context.Context, ch *channel) {
	t := time.NewTicker(20 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := ch.conn.Ping(pctx)
			cancel()
			if err != nil {
				_ = ch.conn.CloseNow()
				return
			}
		}
	}
}

func (g *Gateway) readResults(ctx context.Context, ch *channel) error {
	for {
		var res agentwire.CommandResult
		if err := wsjson.Read(ctx, ch.conn, &res); err != nil {
			return err
		}
		ch.wmu.Lock()
		c := ch.wait[res.ID]
		delete(ch.wait, res.ID)
		ch.wmu.Unlock()
		if c != nil {
			c <- res
		}
	}
}

func (ch *channel) failAll() {
	ch.wmu.Lock()
	defer ch.wmu.Unlock()
	for id, c := range ch.wait {
		close(c)
		delete(ch.wait, id)
	}
}

// Declared returns what the agent's open channel declared for a
// platform, and whether commands are enabled on it; ErrAgentOffline when it
// has no channel open.
func (g *Gateway) Declared(fp, platform string) ([]string, bool, error) {
	g.chans.init()
	g.chans.mu.Lock()
	ch := g.chans.open[fp]
	g.chans.mu.Unlock()
	if ch == nil {
		return nil, false, ErrAgentOffline
	}
	return slices.Clone(ch.hello.Actions[platform]), ch.hello.CommandsEnabled, nil
}

// Dispatch sends a command to the agent over its channel and waits for the
// result (bounded by ctx).
func (g *Gateway) Dispatch(ctx context.Context, fp string, cmd agentwire.Command) (agentwire.CommandResult, error) {
	g.chans.init()
	g.chans.mu.Lock()
	ch := g.chans.open[fp]
	g.chans.mu.Unlock()
	if ch == nil {
		return agentwire.CommandResult{}, ErrAgentOffline
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	cmd.Type, cmd.ID = "command", hex.EncodeToString(b[:])
	c := make(chan agentwire.CommandResult, 1)
	ch.wmu.Lock()
	ch.wait[cmd.ID] = c
	ch.wmu.Unlock()
	defer func() {
		ch.wmu.Lock()
		delete(ch.wait, cmd.ID)
		ch.wmu.Unlock()
	}()
	ch.mu.Lock()
	err := wsjson.Write(ctx, ch.conn, cmd)
	ch.mu.Unlock()
	if err != nil {
		return agentwire.CommandResult{}, fmt.Errorf("%w: send: %v", ErrAgentOffline, err)
	}
	select {
	case res, ok := <-c:
		if !ok {
			return agentwire.CommandResult{}, fmt.Errorf("%w: the channel closed before the result came", ErrAgentOffline)
		}
		if res.Refused {
			return res, fmt.Errorf("%w: %s", ErrAgentRefused, res.Message)
		}
		if !res.OK {
			return res, errors.New(res.Message)
		}
		return res, nil
	case <-ctx.Done():
		return agentwire.CommandResult{}, ctx.Err()
	}
}

// FingerprintOf maps the store connection of an agent's records back to
// its fingerprint (the inverse of ConnectionName).
func FingerprintOf(connection string) (string, bool) {
	if !strings.HasPrefix(connection, "SHA256:") {
		return "", false
	}
	return strings.NewReplacer("_", "/", "-", "+").Replace(connection), true
}

// closeChannel closes an agent's command channel (revoked).
func (g *Gateway) closeChannel(fp, reason string) {
	g.chans.init()
	g.chans.mu.Lock()
	ch := g.chans.open[fp]
	delete(g.chans.open, fp)
	g.chans.mu.Unlock()
	if ch != nil {
		_ = ch.conn.Close(websocket.StatusPolicyViolation, reason)
	}
}
