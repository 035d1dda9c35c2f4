// Package cmdchan is the agent's end of the command channel: a WebSocket it
// opens to the core's agent listener (the listener's certificate pinned like
// every agent request), authenticated by a hello signed with the agent's key.
// The core sends commands over it; the agent executes them only when the
// operator enabled commands (--enable-commands) and a module declares the
// action, and answers each with its result or the reason it refused.
package cmdchan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
)

// ErrRefused is what an Executor's error wraps when it refuses a command
// before acting (the target is not of a kind the action applies to): the
// core audits it as refused, not failed.
var ErrRefused = errors.New("refused")

// Executor runs one platform's actions on the host.
type Executor interface {
	// Actions are the actions it executes.
	Actions() []string
	// Execute runs action on the resource with the native id target.
	Execute(ctx context.Context, action, target string, params map[string]string) (string, error)
}

// Options configure the channel.
type Options struct {
	// Server is the core's agent listener, https://host:port.
	Server string
	// HTTP is the pinned client (client.HTTP).
	HTTP *http.Client
	// Signer is the agent's key.
	Signer ssh.Signer
	// CommandsEnabled is the operator's switch; off, every command is
	// refused.
	CommandsEnabled bool
	// Executors by platform (docker, proxmox-pve).
	Executors map[string]Executor
	// Timeout bounds one action (default 60s).
	Timeout time.Duration
	Log     hclog.Logger
	// Now is the clock (tests).
	Now func() time.Time
}

func withDefaults(o Options) Options {
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	return o
}

// Run keeps the channel open until ctx ends, reconnecting with a capped
// backoff.
func Run(ctx context.Context, o Options) {
	o = withDefaults(o)
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := Serve(ctx, o)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			backoff = time.Second
		}
		o.Log.Warn("command channel closed; reconnecting", "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// Hello builds the signed hello's header values.
func Hello(o Options) (hello, sig string, err error) {
	var n [16]byte
	_, _ = rand.Read(n[:])
	h := agentwire.Hello{Fingerprint: agentwire.Fingerprint(o.Signer.PublicKey()), SentAt: o.Now().UTC().Format(time.RFC3339Nano),
		Nonce: hex.EncodeToString(n[:]), CommandsEnabled: o.CommandsEnabled}
	if o.CommandsEnabled {
		h.Actions = map[string][]string{}
		for p, e := range o.Executors {
			h.Actions[p] = slices.Sorted(slices.Values(e.Actions()))
		}
	}
	body, _ := json.Marshal(h)
	sig, err = agentwire.SignHeader(o.Signer, agentwire.NamespaceCommands, body)
	if err != nil {
		return "", "", fmt.Errorf("sign hello: %w", err)
	}
	return agentwire.EncodeHello(body), sig, nil
}

// Serve opens one channel and serves it until it closes.
func Serve(ctx context.Context, o Options) error {
	o = withDefaults(o)
	hello, sig, err := Hello(o)
	if err != nil {
		return err
	}
	u := "wss://" + strings.TrimPrefix(strings.TrimSuffix(o.Server, "/"), "https://") + agentwire.PathCommands
	hdr := http.Header{}
	hdr.Set(agentwire.HeaderHello, hello)
	hdr.Set(agentwire.HeaderSignature, sig)
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	conn, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPClient: o.HTTP, HTTPHeader: hdr})
	cancel()
	if err != nil {
		if resp != nil {
			var e agentwire.ErrorBody
			_ = json.NewDecoder(resp.Body).Decode(&e)
			return fmt.Errorf("open command channel: %s: %s", resp.Status, e.Error)
		}
		return fmt.Errorf("open command channel: %w", err)
	}
	defer conn.CloseNow()
	o.Log.Info("command channel open", "server", o.Server, "commands_enabled", o.CommandsEnabled)
	results := make(chan agentwire.CommandResult, 16)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for {
			select {
			case <-rctx.Done():
				return
			case r := <-results:
				if err := wsjson.Write(rctx, conn, r); err != nil {
					o.Log.Warn("send result", "id", r.ID, "error", err)
				}
			}
		}
	}()
	for {
		var cmd agentwire.Command
		if err := wsjson.Read(ctx, conn, &cmd); err != nil {
			return err
		}
		go func() { results <- execute(ctx, o, cmd) }()
	}
}

// execute runs one command, or says why not.
func execute(ctx context.Context, o Options, cmd agentwire.Command) agentwire.CommandResult {
	r := agentwire.CommandResult{Type: "result", ID: cmd.ID}
	refuse := func(f string, a ...any) agentwire.CommandResult {
		r.Refused, r.Message = true, fmt.Sprintf(f, a...)
		o.Log.Warn("command refused", "platform", cmd.Platform, "action", cmd.Action, "target", cmd.Target, "reason", r.Message)
		return r
	}
	if !o.CommandsEnabled {
		return refuse("commands are not enabled on this agent (the operator starts it with --enable-commands, or sets enable_commands in agent.json)")
	}
	e, ok := o.Executors[cmd.Platform]
	if !ok {
		names := make([]string, 0, len(o.Executors))
		for p := range o.Executors {
			names = append(names, p)
		}
		sort.Strings(names)
		return refuse("this agent executes nothing for platform %q (it has modules for %v)", cmd.Platform, names)
	}
	if !slices.Contains(e.Actions(), cmd.Action) {
		return refuse("the %s module does not execute %q (it executes %v)", cmd.Platform, cmd.Action, e.Actions())
	}
	actx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	o.Log.Info("executing command", "platform", cmd.Platform, "action", cmd.Action, "target", cmd.Target)
	msg, err := e.Execute(actx, cmd.Action, cmd.Target, cmd.Params)
	if errors.Is(err, ErrRefused) {
		return refuse("%s", err.Error())
	}
	if err != nil {
		r.Message = err.Error()
		return r
	}
	r.OK, r.Message = true, msg
	return r
}
