// Package agent is pulse-agent, the Pulse host agent: collectors
// (internal/collect), its key (internal/keys), enrollment and signed
// reports (internal/client), the service loop (internal/runner), service
// install (internal/service) and the command (cmd/pulse-agent). The wire
// contract it speaks is core/agentwire.
package agent
