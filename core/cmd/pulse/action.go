package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/config"
)

// runAction asks the running core to perform a control action through its
// API (POST /api/v1/resources/{id}/actions), so the one control path in the
// daemon checks, runs and audits it: the CLI never talks to a plugin itself.
func runAction(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("action", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files, params stringList
	fs.Var(&files, "config", "configuration file of the running core (its server.listen is the API address)")
	fs.Var(&params, "param", "action parameter name=value (repeatable)")
	apiURL := fs.String("api", "", "the core's API base URL (default: http://<server.listen> from --config)")
	timeout := fs.Duration("timeout", 35*time.Minute, "how long to wait for the core's answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: pulse action --config FILE RESOURCE ACTION [--param name=value]...\n"+
			"  RESOURCE is a canonical id, platform/connection/native-id, or a unique resource name")
		return 2
	}
	var cfg *config.Config
	if *apiURL == "" {
		var ok bool
		if cfg, ok = loadConfig(files, stderr); !ok {
			return 1
		}
	}
	sess, err := openAPISession(cfg, strings.TrimRight(*apiURL, "/"), auth.ScopeControl, "action", *timeout)
	if err != nil {
		fmt.Fprintln(stderr, "pulse action:", err)
		return 1
	}
	defer sess.Close()
	base := sess.Base
	body := map[string]any{"action": fs.Arg(1), "params": map[string]any{}}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			fmt.Fprintf(stderr, "pulse action: --param %q is not name=value\n", p)
			return 2
		}
		body["params"].(map[string]any)[k] = v
	}
	hc := sess.Client
	id, err := resolveResource(hc, base, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "pulse action:", err)
		return 1
	}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/resources/"+url.PathEscape(id)+"/actions", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Pulse-Actor", "cli "+whoami())
	resp, err := hc.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "pulse action: is the core running? %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	_, _ = stdout.Write(out)
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(out, &e)
		fmt.Fprintf(stderr, "pulse action: %s: %s\n", resp.Status, e.Error)
		return 1
	}
	return 0
}

func whoami() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if h, err := os.Hostname(); err == nil {
		return "@" + h
	}
	return "unknown"
}

// resolveResource accepts a canonical id, a source key
// (platform/connection/native-id) or a unique name.
func resolveResource(hc *http.Client, base, arg string) (string, error) {
	resp, err := hc.Get(base + "/api/v1/resources/" + url.PathEscape(arg))
	if err != nil {
		return "", fmt.Errorf("is the core running at %s? %w", base, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return arg, nil
	}
	resp, err = hc.Get(base + "/api/v1/resources")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var list struct {
		Resources []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Sources []struct {
				Platform, Connection string
				NativeID             string `json:"native_id"`
			} `json:"sources"`
		} `json:"resources"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return "", fmt.Errorf("list resources: %w", err)
	}
	var byName []string
	for _, r := range list.Resources {
		for _, s := range r.Sources {
			if s.Platform+"/"+s.Connection+"/"+s.NativeID == arg {
				return r.ID, nil
			}
		}
		if r.Name == arg {
			byName = append(byName, r.ID)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		return "", fmt.Errorf("no resource %q: give a canonical id (GET %s/api/v1/resources), platform/connection/native-id, or a unique name", arg, base)
	}
	return "", fmt.Errorf("name %q is used by %d resources (%s); give the canonical id", arg, len(byName), strings.Join(byName, ", "))
}
