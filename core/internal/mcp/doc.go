// Package mcp is the core's assistant surface: a Model Context Protocol server
// (github.com/modelcontextprotocol/go-sdk) whose seven tools read the estate
// and, where governance allows, act on it.
//
// Every tool reads through Backend, one method that carries a request to the
// core's own HTTP API. The daemon serves the tools over streamable HTTP at
// /mcp with an in-process Backend (the API's http.Handler called directly);
// `pulse mcp` serves them over stdio with an HTTP Backend pointed at the
// running core. Both run the same tool code against the same API handlers, so
// the two transports give the same answers by construction.
//
// What the tools show and offer is derived from the governed platform model
// (core/platform), never written per platform: a platform whose assistant
// read is not supported contributes nothing readable; every record of a
// platform that is not supported (vmware-vsphere today, admitted) carries
// "support": "admitted"; run_action refuses, before anything else, every
// platform whose assistant control is not supported, naming the
// classification, and offers exactly the actions declared by the running
// plugins of platforms whose control is supported.
package mcp
