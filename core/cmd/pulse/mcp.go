package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/pulsehost/pulse/core/internal/mcp"
)

// tokenEnv names the environment variable whose value `pulse mcp` sends to
// the core as a bearer token, for a core that requires API authentication.
const tokenEnv = "PULSE_TOKEN"

// runMCP serves the assistant tools over stdio (for desktop assistants),
// answering from the running core's HTTP API, found through the server
// block's listen address, so stdio and /mcp give the same answers.
func runMCP(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "the running core's configuration file (repeatable); its server.listen is where the core is asked")
	urlFlag := fs.String("url", "", "the core's API base URL, e.g. http://127.0.0.1:7655 (default: from server.listen in --config)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pulse mcp: unexpected argument %q; the configuration goes in --config\n", fs.Arg(0))
		return 2
	}
	base := *urlFlag
	if base == "" {
		cfg, ok := loadConfig(files, stderr)
		if !ok {
			return 1
		}
		var err error
		if base, err = apiBase(cfg.Server.Listen); err != nil {
			fmt.Fprintln(stderr, "pulse mcp:", err)
			return 1
		}
	}
	// stdout carries the protocol; logs go to stderr only.
	log := hclog.New(&hclog.LoggerOptions{Name: "pulse", Output: stderr, Level: hclog.Warn})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	backend := mcp.Remote(base, nil, os.Getenv(tokenEnv))
	if status, _, err := backend.Do(ctx, "GET", "/healthz", nil, nil); err != nil || status != 200 {
		log.Warn("the core is not answering yet; tools will report it until it does", "url", base, "status", status, "error", err)
	}
	if err := mcp.New(backend, log, version).Serve(ctx, &gomcp.StdioTransport{}); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "pulse mcp:", err)
		return 1
	}
	return 0
}

// apiBase turns server.listen into a URL a local client can reach: an
// unspecified host (":7655", "0.0.0.0:7655", "[::]:7655") means loopback.
func apiBase(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("server.listen %q is not host:port: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
