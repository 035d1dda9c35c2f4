package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/daemon"
)

// runReload is `pulse reload --config FILE`: POST /api/v1/reload to the
// running core named by the configuration.
func runReload(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file of the running core (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pulse reload: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	return adminPost(files, "/api/v1/reload", stdout, stderr)
}

// runPluginReload is `pulse plugins reload --config FILE PLATFORM`: the
// running core starts the plugin binary found now and moves the platform's
// connections to it.
func runPluginReload(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plugins reload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file of the running core (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: pulse plugins reload --config FILE PLATFORM")
		return 2
	}
	return adminPost(files, "/api/v1/plugins/"+url.PathEscape(fs.Arg(0))+"/reload", stdout, stderr)
}

// adminPost sends an admin request to the running core. Whoever can write
// its data_dir is its administrator already, so the CLI makes a short-lived
// admin token there, uses it once and revokes it: no token is ever passed
// on a command line or in the environment.
func adminPost(files []string, path string, stdout, stderr io.Writer) int {
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, closeDB, err := openAuthStore(ctx, cfg.Server.DataDir)
	if err != nil {
		fmt.Fprintln(stderr, "pulse:", err)
		return 1
	}
	defer closeDB()
	secret, tok, err := st.CreateToken(ctx, auth.ScopeAdmin, "pulse CLI (single use)", 2*time.Minute)
	if err != nil {
		fmt.Fprintln(stderr, "pulse:", err)
		return 1
	}
	defer func() { _ = st.RevokeToken(context.Background(), tok.ID) }()

	client, base, err := apiClient(cfg.Server)
	if err != nil {
		fmt.Fprintln(stderr, "pulse:", err)
		return 1
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(nil))
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "pulse: the core at %s does not answer (%v); is `pulse serve` running with this configuration?\n", base, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var pretty bytes.Buffer
	if json.Indent(&pretty, body, "", "  ") == nil {
		body = pretty.Bytes()
	}
	if resp.StatusCode >= 300 {
		fmt.Fprintf(stderr, "pulse: %s\n%s\n", resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
	return 0
}

// apiClient reaches the core's operator listener from this machine,
// trusting the certificate it serves when it serves TLS.
func apiClient(s config.Server) (*http.Client, string, error) {
	host := s.Listen
	if h, port, err := net.SplitHostPort(s.Listen); err == nil {
		if ip := net.ParseIP(h); h == "" || (ip != nil && ip.IsUnspecified()) {
			host = net.JoinHostPort("127.0.0.1", port)
		}
	}
	client := &http.Client{Timeout: time.Minute}
	if !s.Security.TLS() {
		return client, "http://" + host, nil
	}
	pemBytes, err := os.ReadFile(daemon.CertFile(s))
	if err != nil {
		return nil, "", fmt.Errorf("read the API certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, "", fmt.Errorf("the API certificate %s holds no PEM certificate", daemon.CertFile(s))
	}
	client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return client, "https://" + host, nil
}
