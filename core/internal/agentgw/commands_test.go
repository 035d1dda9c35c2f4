package agentgw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/pulsehost/pulse/core/agentwire"
)

func (e *env) hello(k agentKey, nonce string, at time.Time, enabled bool) http.Header {
	body, _ := json.Marshal(agentwire.Hello{Fingerprint: k.fp, SentAt: at.UTC().Format(time.RFC3339), Nonce: nonce, CommandsEnabled: enabled,
		Actions: map[string][]string{"docker": {"restart", "start", "stop"}}})
	h := http.Header{}
	h.Set(agentwire.HeaderHello, agentwire.EncodeHello(body))
	h.Set(agentwire.HeaderSignature, sign(e.t, k, agentwire.NamespaceCommands, body))
	return h
}

func (e *env) dial(h http.Header) (*websocket.Conn, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+agentwire.PathCommands, &websocket.DialOptions{HTTPHeader: h})
	code := 0
	if resp != nil {
		code = resp.StatusCode
	}
	return c, code, err
}

// TestCommandChannel: only an enrolled agent with a fresh, correctly signed
// hello opens a channel; a command goes out and its result comes back; a
// closed channel makes the agent offline.
func TestCommandChannel(t *testing.T) {
	e := newEnv(t, Options{})
	k, stranger := newKey(t), newKey(t)
	e.enroll(k)
	now := e.clock.now()
	if _, code, _ := e.dial(e.hello(stranger, "nonce-stranger-0001", now, true)); code != http.StatusForbidden {
		t.Errorf("unenrolled key: %d", code)
	}
	h := e.hello(k, "nonce-0000000000001", now, true)
	h.Set(agentwire.HeaderSignature, e.hello(k, "nonce-0000000000002", now, true).Get(agentwire.HeaderSignature))
	if _, code, _ := e.dial(h); code != http.StatusUnauthorized {
		t.Errorf("signature of another hello: %d", code)
	}
	if _, code, _ := e.dial(e.hello(k, "nonce-0000000000003", now.Add(-10*time.Minute), true)); code != http.StatusBadRequest {
		t.Errorf("stale hello: %d", code)
	}
	if _, _, err := e.gw.Declared(k.fp, "docker"); !errors.Is(err, ErrAgentOffline) {
		t.Errorf("before the channel: %v", err)
	}
	good := e.hello(k, "nonce-0000000000004", now, true)
	conn, code, err := e.dial(good)
	if err != nil {
		t.Fatalf("open: %d %v", code, err)
	}
	if _, code, _ := e.dial(good); code != http.StatusConflict {
		t.Errorf("replayed hello: %d", code)
	}
	waitCond(t, func() bool { _, _, err := e.gw.Declared(k.fp, "docker"); return err == nil })
	acts, enabled, _ := e.gw.Declared(k.fp, "docker")
	if !enabled || strings.Join(acts, ",") != "restart,start,stop" {
		t.Errorf("declared %v %v", acts, enabled)
	}
	// The agent side: answer one command.
	go func() {
		var cmd agentwire.Command
		if err := wsjson.Read(context.Background(), conn, &cmd); err != nil {
			return
		}
		_ = wsjson.Write(context.Background(), conn, agentwire.CommandResult{Type: "result", ID: cmd.ID, OK: true, Message: cmd.Action + " " + cmd.Target + " done"})
	}()
	start := time.Now()
	res, err := e.gw.Dispatch(context.Background(), k.fp, agentwire.Command{Platform: "docker", Action: "restart", Target: "container:abc"})
	if err != nil || res.Message != "restart container:abc done" {
		t.Fatalf("dispatch: %+v %v", res, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("round trip %s", d)
	}
	// Revocation closes the channel.
	if err := RevokeAgent(context.Background(), e.db, k.fp, e.clock.now()); err != nil {
		t.Fatal(err)
	}
	if err := e.gw.CheckStale(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitCond(t, func() bool { _, _, err := e.gw.Declared(k.fp, "docker"); return errors.Is(err, ErrAgentOffline) })
	if _, err := e.gw.Dispatch(context.Background(), k.fp, agentwire.Command{Platform: "docker", Action: "restart"}); !errors.Is(err, ErrAgentOffline) {
		t.Errorf("after close: %v", err)
	}
}

func waitCond(t *testing.T, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
