package agentwire

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The command channel: the agent opens a WebSocket to the core's agent
// listener at PathCommands (TLS, the listener's certificate pinned as for
// reports). The upgrade request carries a signed hello: HeaderHello holds
// the hello JSON in base64, and HeaderSignature its SSHSIG signature in
// NamespaceCommands by the enrolled key. The hello names the agent, is
// fresh (sent_at within MaxClockSkew, nonce never reused) and declares what
// the agent will execute. The core then sends Command messages and the
// agent answers each with a CommandResult.
const (
	// PathCommands is the command channel's WebSocket endpoint.
	PathCommands = "/api/v1/agents/commands"
	// HeaderHello carries the base64 hello on the upgrade request.
	HeaderHello = "Pulse-Hello"
	// NamespaceCommands is the SSHSIG namespace of the hello.
	NamespaceCommands = "pulse-agent-commands@v1"
)

// Hello opens a command channel.
type Hello struct {
	// Fingerprint names the enrolled key that signed the hello.
	Fingerprint string `json:"fingerprint"`
	// SentAt is when the agent sent it, RFC 3339 UTC.
	SentAt string `json:"sent_at"`
	// Nonce is random and never reused.
	Nonce string `json:"nonce"`
	// CommandsEnabled says whether the operator enabled commands on the
	// agent (--enable-commands).
	CommandsEnabled bool `json:"commands_enabled"`
	// Actions are the actions the agent executes, by platform (docker:
	// start, stop, restart); empty when commands are off.
	Actions map[string][]string `json:"actions,omitempty"`
}

// Command is one action the core asks the agent to execute.
type Command struct {
	Type string `json:"type"` // "command"
	// ID correlates the result.
	ID string `json:"id"`
	// Platform is the records' platform (docker, proxmox-pve).
	Platform string `json:"platform"`
	// Action is the action name.
	Action string `json:"action"`
	// Target is the native id of the resource acted on.
	Target string `json:"target"`
	// Params are the action's parameters.
	Params map[string]string `json:"params,omitempty"`
}

// CommandResult is the agent's answer.
type CommandResult struct {
	Type string `json:"type"` // "result"
	ID   string `json:"id"`
	// OK is true when the action ran and succeeded.
	OK bool `json:"ok"`
	// Refused is true when the agent did not run it (commands off,
	// unknown action); Message says why.
	Refused bool   `json:"refused,omitempty"`
	Message string `json:"message"`
}

// EncodeHello returns the hello's header value for body.
func EncodeHello(body []byte) string { return base64.StdEncoding.EncodeToString(body) }

// ParseHello decodes a hello header and checks its shape and freshness.
func ParseHello(header string, now time.Time) (Hello, []byte, error) {
	if header == "" {
		return Hello{}, nil, errors.New("missing " + HeaderHello + " header (the base64 hello JSON)")
	}
	body, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(body) > 64<<10 {
		return Hello{}, nil, errors.New(HeaderHello + " is not base64 of at most 64 KiB")
	}
	var h Hello
	if err := decodeStrict(body, &h); err != nil {
		return Hello{}, nil, fmt.Errorf("malformed hello JSON: %v (want {\"fingerprint\", \"sent_at\", \"nonce\", \"commands_enabled\", \"actions\"})", err)
	}
	if !strings.HasPrefix(h.Fingerprint, "SHA256:") {
		return Hello{}, nil, errors.New("hello fingerprint is missing or not a SHA256: key fingerprint")
	}
	if len(h.Nonce) < 16 {
		return Hello{}, nil, errors.New("hello nonce must be at least 16 random characters")
	}
	at, err := time.Parse(time.RFC3339Nano, h.SentAt)
	if err != nil {
		return Hello{}, nil, fmt.Errorf("hello sent_at %q is not an RFC 3339 time", h.SentAt)
	}
	if skew := at.Sub(now); skew > MaxClockSkew || skew < -MaxClockSkew {
		return Hello{}, nil, fmt.Errorf("hello sent_at %s is %s from the core's clock; at most ±5m is accepted: check the agent's clock (NTP)", h.SentAt, skew.Round(time.Second))
	}
	return h, body, nil
}
