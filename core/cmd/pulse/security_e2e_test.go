package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSecurityEndToEnd runs the built core as an operator would: TLS with a
// generated certificate, tokens and a user made with the CLI, sign-in,
// CSRF, the rate limit, reload by SIGHUP, by HTTP and by the CLI, a refused
// configuration, a plugin upgrade. Then it greps every log line the core
// wrote and every API response it gave for each secret of the run, checks
// `ps` (the command lines) and the permissions of the data directory.
func TestSecurityEndToEnd(t *testing.T) {
	dir := t.TempDir()
	const (
		connSecret   = "conn-s3cret-9f8e7d6c"
		metricsToken = "metrics-t0ken-5a4b3c2d1e"
		password     = "a long user passphrase 42"
	)
	t.Setenv("PULSE_TEST_SECRET", connSecret)
	t.Setenv("PULSE_TEST_METRICS", metricsToken)
	addr := freeAddr(t)
	control := filepath.Join(dir, "mode")
	writeFile(t, control, "ok")
	cfg := filepath.Join(dir, "pulse.hcl")
	conf := func(extra string) string {
		return fmt.Sprintf(`server {
  listen          = %q
  data_dir        = "data"
  log_level       = "trace"
  tls_self_signed = true
  metrics_token   = env("PULSE_TEST_METRICS")
}

connection "proxmox-pmg" "mail" {
  control_file  = %q
  secret        = env("PULSE_TEST_SECRET")
  poll_interval = "1s"
}
%s`, addr, control, extra)
	}
	writeFile(t, cfg, conf(""))

	// Tokens and a user, made with the CLI.
	read := newToken(t, dir, cfg, "read")
	admin := newToken(t, dir, cfg, "admin")
	control2 := newToken(t, dir, cfg, "control")
	userAdd := exec.Command(filepath.Join(binDir, "pulse"), "user", "add", "--config", cfg, "--scope", "control", "ops")
	userAdd.Dir, userAdd.Stdin = dir, strings.NewReader(password+"\n")
	if out, err := userAdd.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	secrets := map[string]string{"connection secret": connSecret, "metrics token": metricsToken, "password": password,
		"read token": read, "admin token": admin, "control token": control2}

	var logs syncBuffer
	core := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	core.Dir, core.Stdout, core.Stderr = dir, &logs, &logs
	if err := core.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = core.Process.Kill(); _ = core.Wait() })

	// The client trusts the generated certificate, nothing else.
	var client *http.Client
	waitFor(t, "self-signed certificate", 30*time.Second, func() bool {
		pemBytes, err := os.ReadFile(filepath.Join(dir, "data", "api-tls.crt"))
		if err != nil {
			return false
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return false
		}
		client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		return true
	})
	base := "https://" + addr
	var responses syncBuffer
	call := func(method, path, token string, body string, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(&responses, "%s %s -> %d %v\n%s\n", method, path, resp.StatusCode, resp.Header, b)
		return resp, string(b)
	}
	waitFor(t, "first poll", 30*time.Second, func() bool {
		resp, body := call("GET", "/api/v1/resources?type=pmg", read, "", nil)
		return resp.StatusCode == 200 && strings.Contains(body, `"count": 3`)
	})
	// Plain HTTP is not served.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP answered on the TLS listener")
	}

	for _, p := range []string{"/api/v1/platforms", "/api/v1/connections", "/api/v1/plugins", "/api/v1/resources", "/api/v1/alerts", "/api/v1/recovery-points"} {
		if resp, body := call("GET", p, "", "", nil); resp.StatusCode != 401 {
			t.Fatalf("GET %s without a token: %d %s", p, resp.StatusCode, body)
		}
		if resp, body := call("GET", p, read, "", nil); resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, body)
		}
	}
	if resp, _ := call("GET", "/healthz", "", "", nil); resp.StatusCode != 200 {
		t.Fatal("healthz not open")
	}
	if resp, body := call("GET", "/metrics", metricsToken, "", nil); resp.StatusCode != 200 || !strings.Contains(body, "pulse_connection_up") {
		t.Fatalf("metrics with its token: %d", resp.StatusCode)
	}
	if resp, _ := call("POST", "/api/v1/reload", read, "", nil); resp.StatusCode != 403 {
		t.Fatalf("reload with read: %d", resp.StatusCode)
	}
	if resp, _ := call("POST", "/api/v1/reload", control2, "", nil); resp.StatusCode != 403 {
		t.Fatalf("reload with control: %d", resp.StatusCode)
	}

	// Sign in as the user; the cookie is Secure on TLS, HttpOnly, Strict.
	resp, body := call("POST", "/api/v1/session", "", `{"user":"ops","password":"`+password+`"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	sc := resp.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "Secure") || !strings.Contains(sc, "SameSite=Strict") {
		t.Fatalf("cookie %q", sc)
	}
	cookie := strings.SplitN(sc, ";", 2)[0]
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(body), &login)
	secrets["session cookie"] = strings.TrimPrefix(cookie, "pulse_session=")
	secrets["csrf token"] = login.CSRF
	if resp, _ := call("GET", "/api/v1/connections", "", "", map[string]string{"Cookie": cookie}); resp.StatusCode != 200 {
		t.Fatalf("read with the session: %d", resp.StatusCode)
	}
	if resp, _ := call("POST", "/api/v1/resources/x/actions", "", "{}", map[string]string{"Cookie": cookie}); resp.StatusCode != 403 {
		t.Fatalf("write without CSRF: %d", resp.StatusCode)
	}
	// Five wrong passwords lock the address out, even for the right one.
	for i := 0; i < 5; i++ {
		call("POST", "/api/v1/session", "", `{"user":"ops","password":"wrong password here"}`, nil)
	}
	if resp, _ := call("POST", "/api/v1/session", "", `{"user":"ops","password":"`+password+`"}`, nil); resp.StatusCode != 429 {
		t.Fatalf("after 5 failures: %d", resp.StatusCode)
	}

	// Reload: a new connection by SIGHUP.
	writeFile(t, cfg, conf(fmt.Sprintf("connection \"proxmox-pmg\" \"second\" {\n  control_file = %q\n  poll_interval = \"1s\"\n}\n", control)))
	if err := core.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "second connection after SIGHUP", 30*time.Second, func() bool {
		_, body := call("GET", "/api/v1/connections", read, "", nil)
		return strings.Contains(body, `"name": "second"`) && strings.Count(body, `"state": "ok"`) == 2
	})
	// A broken file is refused whole, with its position; the core runs on.
	writeFile(t, cfg, conf("connection \"proxmox-pmg\" \"third\" {\n  poll_interval = \"soon\"\n}\n"))
	code, out, errOut := pulse(t, dir, "reload", "--config", filepath.Join(dir, "pulse.hcl.good"))
	_ = out
	if code == 0 {
		t.Fatal("reload with a missing config file succeeded")
	}
	resp, body = call("POST", "/api/v1/reload", admin, "", nil)
	if resp.StatusCode != 422 || !strings.Contains(body, "pulse.hcl:15:19") {
		t.Fatalf("broken reload: %d %s", resp.StatusCode, body)
	}
	if _, body := call("GET", "/api/v1/connections", read, "", nil); strings.Contains(body, "third") || !strings.Contains(body, "second") {
		t.Fatalf("a refused configuration changed the connections: %s", body)
	}
	// The CLI: drop the second connection, then upgrade the plugin.
	writeFile(t, cfg, conf(""))
	code, out, errOut = pulse(t, dir, "reload", "--config", cfg)
	if code != 0 || !strings.Contains(out, `"proxmox-pmg/second"`) {
		t.Fatalf("pulse reload: %d %s %s", code, out, errOut)
	}
	var plugins struct {
		Plugins []struct{ PID int } `json:"plugins"`
	}
	_ = getJSONWith(client, base+"/api/v1/plugins", read, &plugins)
	oldPID := plugins.Plugins[0].PID
	code, out, errOut = pulse(t, dir, "plugins", "reload", "--config", cfg, "proxmox-pmg")
	if code != 0 || !strings.Contains(out, "upgrading") {
		t.Fatalf("pulse plugins reload: %d %s %s", code, out, errOut)
	}
	waitFor(t, "new plugin process", 30*time.Second, func() bool {
		return getJSONWith(client, base+"/api/v1/plugins", read, &plugins) == nil && plugins.Plugins[0].PID != 0 && plugins.Plugins[0].PID != oldPID
	})

	// ps: no secret on any command line of the core or its plugin.
	for _, pid := range []int{core.Process.Pid, plugins.Plugins[0].PID} {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil {
			t.Skipf("no /proc: %v", err)
		}
		for what, s := range secrets {
			if bytes.Contains(cmdline, []byte(s)) {
				t.Errorf("the %s is on process %d's command line", what, pid)
			}
		}
	}
	// Data directory 0700, its files 0600.
	st, _ := os.Stat(filepath.Join(dir, "data"))
	if st.Mode().Perm() != 0o700 {
		t.Errorf("data_dir is %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "data"))
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v", e.Name(), info.Mode().Perm())
		}
		b, _ := os.ReadFile(filepath.Join(dir, "data", e.Name()))
		for what, s := range secrets {
			if what != "connection secret" && what != "metrics token" && bytes.Contains(b, []byte(s)) {
				t.Errorf("the %s is in clear in %s", what, e.Name())
			}
		}
	}

	_ = core.Process.Signal(syscall.SIGTERM)
	_ = core.Wait()
	logText, respText := logs.String(), responses.String()
	// The session cookie and CSRF token are handed out once, by sign-in.
	loginResp := strings.Index(respText, "POST /api/v1/session -> 200")
	for what, s := range secrets {
		if strings.Contains(logText, s) {
			t.Errorf("the %s is in the core's log", what)
		}
		scan := respText
		if what == "session cookie" || what == "csrf token" {
			end := strings.Index(respText[loginResp:], "\n}\n")
			scan = respText[:loginResp] + respText[loginResp+end:]
		}
		if strings.Contains(scan, s) {
			t.Errorf("the %s is in an API response", what)
		}
	}
	t.Logf("grepped %d log lines and %d bytes of API responses for %d secrets", strings.Count(logText, "\n"), len(respText), len(secrets))
	if !strings.Contains(logText, "configuration refused") || !strings.Contains(logText, "configuration reloaded") {
		t.Errorf("reload not logged:\n%s", logText)
	}
}

func getJSONWith(c *http.Client, url, token string, v any) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
