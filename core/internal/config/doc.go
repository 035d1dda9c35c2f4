// Package config parses the HCL configuration of the Pulse core: one server
// block and any number of connection blocks, spread over one or more files.
//
//	server {
//	  listen   = "127.0.0.1:7655"
//	  data_dir = "/var/lib/pulse"
//	}
//
//	connection "proxmox-pve" "lab-cluster" {
//	  endpoints     = ["https://pve1.lab:8006"]
//	  token_id      = "pulse@pve!monitor"
//	  token_secret  = env("PVE_TOKEN_SECRET")
//	  poll_interval = "30s"
//	  tls { ca_file = "lab-ca.pem" }
//	}
//
// Parsing runs in two phases. Parse decodes everything the core owns (the
// server block, the connection labels, and the common connection attributes
// enabled, poll_interval, timeout and the tls block) and evaluates the
// remaining, plugin-specific attributes without judging them. Once the
// plugin of a platform has declared its schema, (*Connection).Decode checks
// those attributes strictly against it and returns them as the JSON object a
// plugin receives in sdk.Connection.Config.
//
// Expressions may call two functions and nothing else: env("NAME") and
// file("path"). Their results, and every attribute a schema marks Sensitive,
// are secrets: they never appear in a diagnostic, in String output or in
// Redacted.
//
// Every problem is reported as a Diagnostic with file:line:column, what is
// wrong and what would be right; as many as possible are collected in one
// pass.
package config
