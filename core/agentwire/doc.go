// Package agentwire is the wire contract between pulse-agent and the core's
// agent gateway: endpoint paths, the signature header and namespaces, the
// enrollment and report bodies, the telemetry schema of the agent spec (with
// Pulse's extensions in added members), and SSHSIG signing and verification
// compatible with `ssh-keygen -Y sign` / `-Y verify`.
//
// The contract is fixed: external clients are tested against exactly these
// names. Both the agent (agent/) and the core (core/internal/agentgw) import
// this package, so neither side can drift from the other.
package agentwire

import "time"

// Endpoint paths on the agent listener.
const (
	PathEnroll = "/api/v1/agents/enroll"
	PathReport = "/api/v1/agents/report"
)

// HeaderSignature carries the SSHSIG signature of the exact body: the
// armored signature's base64 lines joined without newlines and without the
// BEGIN/END lines.
const HeaderSignature = "Pulse-Signature"

// SSHSIG namespaces.
const (
	NamespaceEnroll = "pulse-agent-enroll@v1"
	NamespaceReport = "pulse-agent-report@v1"
)

// Limits the gateway enforces.
const (
	// MaxBodyBytes is the largest body accepted (413 above).
	MaxBodyBytes = 1 << 20
	// MaxClockSkew is how far sent_at may be from the core's clock.
	MaxClockSkew = 5 * time.Minute
	// DefaultReportInterval is the metrics report interval when the agent
	// does not state one.
	DefaultReportInterval = 30 * time.Second
	// FullReportInterval is how often an agent sends a full report (the seed:
	// on start and restart, and every 24 hours).
	FullReportInterval = 24 * time.Hour
)

// Report kinds.
const (
	KindFull    = "full"
	KindMetrics = "metrics"
)

// ErrorBody is every refusal's JSON body.
type ErrorBody struct {
	// Error says what was wrong, never which part of a secret matched.
	Error string `json:"error"`
}
