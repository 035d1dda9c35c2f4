package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// pulseConfig writes a pulse configuration into dir serving the API on
// listen, with the given connection blocks, and returns its path.
func pulseConfig(dir, bin, listen string, conns ...string) (string, error) {
	absBin, err := filepath.Abs(bin)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "server {\n  listen     = %q\n  data_dir   = %q\n  plugin_dir = %q\n  log_level  = \"warn\"\n  auth       = \"none\"\n}\n",
		listen, filepath.Join(dir, "data"), absBin)
	for _, c := range conns {
		b.WriteString(c)
	}
	path := filepath.Join(dir, "pulse.hcl")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

func vsphereConn(v *vcenter, interval time.Duration) string {
	return fmt.Sprintf(`connection "vmware-vsphere" "bench-vcenter" {
  endpoint      = %q
  username      = %q
  password      = %q
  poll_interval = %q
  tls {
    fingerprint = %q
  }
}
`, v.URL, v.User, v.Password, interval.String(), v.Fingerprint)
}

func pveConn(url string, interval time.Duration) string {
	return fmt.Sprintf(`connection "proxmox-pve" "bench-pve" {
  endpoints     = [%q]
  token_id      = %q
  token_secret  = %q
  poll_interval = %q
  tls {
    insecure_skip_verify = true
  }
}
`, url, pveTokenID, pveTokenSecret, interval.String())
}

// freeAddr picks a free loopback port.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// connStatus is the part of GET /api/v1/connections the benchmark reads.
type connStatus struct {
	Platform    string     `json:"platform"`
	Name        string     `json:"name"`
	State       string     `json:"state"`
	LastSuccess *time.Time `json:"last_success"`
	Polls       uint64     `json:"polls"`
	Failures    uint64     `json:"failures"`
	Resources   int        `json:"resources"`
	LastError   string     `json:"last_error"`
}

func connections(ctx context.Context, c *http.Client, base string) ([]connStatus, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/connections", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("GET /api/v1/connections: %s: %s", resp.Status, b)
	}
	var doc struct {
		Connections []connStatus `json:"connections"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, fmt.Errorf("GET /api/v1/connections: %w", err)
	}
	return doc.Connections, nil
}

// synced reports whether every connection has stored a successful poll.
func synced(cs []connStatus, want int) bool {
	if len(cs) < want {
		return false
	}
	for _, c := range cs {
		if c.LastSuccess == nil || c.Resources == 0 {
			return false
		}
	}
	return true
}

// waitSynced polls the API until every connection's first poll is stored
// and returns the statuses then. The polling itself costs the core a few
// requests a second; it stops at the first sync.
func waitSynced(ctx context.Context, base string, want int) ([]connStatus, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	var last error
	for {
		cs, err := connections(ctx, c, base)
		if err == nil && synced(cs, want) {
			return cs, nil
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("not synced yet: %+v", cs)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("first sync: %w (last: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pollOnce runs `pulse poll` of connection name once and returns its wall
// time and the counts in its document.
func pollOnce(ctx context.Context, bin, config, name string) (time.Duration, pollCounts, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pulse"), "poll", "--config", config, name)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		return wall, pollCounts{}, fmt.Errorf("pulse poll: %w: %s", err, stderr.String())
	}
	var n pollCounts
	if err := n.parse(out); err != nil {
		return wall, n, err
	}
	return wall, n, nil
}

// pollCounts are the sizes of one `pulse poll` document.
type pollCounts struct {
	Resources, Metrics int
}

func (n *pollCounts) parse(b []byte) error {
	var doc struct {
		Resources []json.RawMessage `json:"resources"`
		Metrics   []json.RawMessage `json:"metrics"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("pulse poll output: %w", err)
	}
	n.Resources, n.Metrics = len(doc.Resources), len(doc.Metrics)
	return nil
}
