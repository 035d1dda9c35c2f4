// Package agentgw is the core's agent gateway: it enrolls pulse-agent keys
// (with provisioning tokens or by hand), verifies signed reports (SSHSIG in
// the report namespace, a durable strictly increasing seq, a ±5 minute
// sent_at window, a 1 MiB cap), projects accepted telemetry into canonical
// records of platform `agent` in the unified store, and marks silent agents
// stale with an alert.
//
// Its tables (agents and provisioning tokens) live in the core's database
// under the component "agents". Every refusal is a 4xx JSON {"error": ...}
// that stores nothing. The wire contract is package core/agentwire.
package agentgw
