package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/notify"
)

// TestOutboxSurvivesSIGKILL proves the durable outbox with a real `pulse
// serve`: a platform alert fires and its notification is enqueued, the
// receiver refuses it (503), the core is SIGKILLed with the notification
// still pending, and after a restart the receiver gets it exactly once per
// event id; the restored alert does not fire a second notification.
func TestOutboxSurvivesSIGKILL(t *testing.T) {
	var mu sync.Mutex
	accept, refused := false, 0
	delivered := map[string]int{}
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !accept {
			refused++
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		delivered[r.Header.Get(notify.HeaderEventID)]++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()

	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "s3cret-value")
	cfg := labConfig(t, dir, freeAddr(t), "ok")
	extra := fmt.Sprintf(`
alerts { interval = "1s" }
notifier "webhook" "hook" {
  url     = %q
  timeout = "2s"
}
`, rc.URL+"/hook")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, string(b)+extra)

	start := func() *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	core := start()
	waitFor(t, "a refused delivery attempt", 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return refused > 0
	})
	pending := outboxRows(t, filepath.Join(dir, "data", "pulse.db"))
	if len(pending) != 1 || pending[0][1] != notify.StatePending {
		t.Fatalf("outbox before the kill = %v, want one pending item", pending)
	}
	if err := core.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = core.Wait()

	mu.Lock()
	accept = true
	mu.Unlock()
	start()
	waitFor(t, "delivery after the restart", 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) > 0
	})
	time.Sleep(4 * time.Second) // several more cycles: nothing else may arrive
	mu.Lock()
	defer mu.Unlock()
	if len(delivered) != 1 || delivered[pending[0][0]] != 1 {
		t.Fatalf("deliveries per event id = %v, want exactly one of %s", delivered, pending[0][0])
	}
	after := outboxRows(t, filepath.Join(dir, "data", "pulse.db"))
	if len(after) != 1 || after[0][1] != notify.StateDone {
		t.Fatalf("outbox after = %v", after)
	}
}

// outboxRows reads (event id, state) of every outbox item.
func outboxRows(t *testing.T, path string) [][2]string {
	t.Helper()
	db, err := database.Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows *sql.Rows
	for i := 0; i < 50; i++ { // the table appears with the first migration
		rows, err = db.QueryContext(context.Background(), `SELECT event_id, state FROM notify_outbox ORDER BY id`)
		if err == nil || !strings.Contains(err.Error(), "no such table") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var r [2]string
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestNotifyTestCommand runs `pulse notify test` against a real receiver:
// the item goes through the outbox in data_dir's database.
func TestNotifyTestCommand(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get(notify.HeaderEventID))
		mu.Unlock()
	}))
	defer rc.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, fmt.Sprintf(`server { data_dir = "data" }
notifier "webhook" "hook" { url = %q }
notifier "webhook" "down" { url = "http://127.0.0.1:1/nothing" }
`, rc.URL))
	code, out, errOut := pulse(t, dir, "notify", "test", "--config", cfg, "hook")
	if code != 0 || !strings.Contains(out, `"state": "delivered"`) || len(ids) != 1 {
		t.Fatalf("exit %d\n%s\n%s\nreceived %v", code, out, errOut, ids)
	}
	rows := outboxRows(t, filepath.Join(dir, "data", "pulse.db"))
	if len(rows) != 1 || rows[0][0] != ids[0] {
		t.Fatalf("outbox %v, received %v", rows, ids)
	}
	code, out, errOut = pulse(t, dir, "notify", "test", "--config", cfg, "down")
	if code != 1 || !strings.Contains(errOut, "did not deliver") || !strings.Contains(out, `"status": "post http://127.0.0.1:1/…`) {
		t.Fatalf("unreachable notifier: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = pulse(t, dir, "notify", "test", "--config", cfg, "nope")
	if code != 1 || !strings.Contains(errOut, "configured: [down hook]") {
		t.Fatalf("unknown notifier: exit %d %s", code, errOut)
	}
}

// TestValidateReportsRulePositions: a bad rule through `pulse validate`.
func TestValidateReportsRulePositions(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "rules.hcl")
	writeFile(t, cfg, `alert_rule "x" {
  metric = "memory_usage_ratio"
  above  = 0.8
  clear  = 0.9
}
`)
	code, _, errOut := pulse(t, dir, "validate", cfg)
	if code != 1 || !strings.Contains(errOut, "rules.hcl:4:12") || !strings.Contains(errOut, "clear 0.9 is above the trigger 0.8") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestAlertsCommands drives `pulse alerts` against a real `pulse serve`.
func TestAlertsCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "s3cret-value")
	addr := freeAddr(t)
	cfg := labConfig(t, dir, addr, "ok")
	b, _ := os.ReadFile(cfg)
	writeFile(t, cfg, string(b)+"\nalerts { interval = \"1s\" }\n")
	cmd := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	cmd.Dir = dir
	serveLog := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = serveLog, serveLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	var out, errOut string
	// On a failure, what the core and the last `pulse alerts list` said
	// (a core that could not start, e.g. on a port taken meanwhile, shows
	// here rather than as a bare timeout).
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pulse serve:\n%s\nlast pulse alerts list:\n%s%s", serveLog.String(), out, errOut)
		}
	})
	waitFor(t, "the plugin's alert in pulse alerts list", 45*time.Second, func() bool {
		_, out, errOut = pulse(t, dir, "alerts", "list", "--config", cfg)
		return strings.Contains(out, "mail queue above 100")
	})
	var id string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 5 && strings.HasPrefix(f[5], "platform/") {
			id = f[5]
		}
	}
	if id == "" {
		t.Fatalf("no alert id in:\n%s", out)
	}
	if code, o, e := pulse(t, dir, "alerts", "ack", "--config", cfg, "--by", "ann", "--comment", "queue drains", id); code != 0 || !strings.Contains(o, "acked "+id) {
		t.Fatalf("ack: %d %s %s", code, o, e)
	}
	if code, _, e := pulse(t, dir, "alerts", "ack", "--config", cfg, "--by", "ann", "platform/nope"); code != 1 || !strings.Contains(e, "no active alert") {
		t.Fatalf("ack of unknown: %d %s", code, e)
	}
	// --api names the core by URL: the token then comes from PULSE_TOKEN.
	if code, _, e := pulse(t, dir, "alerts", "silence", "--api", "http://"+addr, "--for", "1h", "--by", "ann", "--platform", "proxmox-pmg"); code != 1 || !strings.Contains(e, "needs authentication") {
		t.Fatalf("silence without a token: %d %s", code, e)
	}
	t.Setenv(tokenEnv, newToken(t, dir, cfg, "control"))
	if code, o, e := pulse(t, dir, "alerts", "silence", "--api", "http://"+addr, "--for", "1h", "--by", "ann", "--platform", "proxmox-pmg"); code != 0 || !strings.Contains(o, "silence ") {
		t.Fatalf("silence: %d %s %s", code, o, e)
	}
	if code, _, e := pulse(t, dir, "alerts", "silence", "--config", cfg, "--for", "1h", "--by", "ann", "--severity", "red"); code != 1 || !strings.Contains(e, "not info, warning or critical") {
		t.Fatalf("bad silence: %d %s", code, e)
	}
	_, out, _ = pulse(t, dir, "alerts", "list", "--config", cfg, "--format", "json")
	if !strings.Contains(out, `"by": "ann"`) || !strings.Contains(out, `"silenced": true`) {
		t.Fatalf("list after ack and silence:\n%s", out)
	}
	_, out, _ = pulse(t, dir, "alerts", "silences", "--config", cfg)
	var sid string
	if i := strings.Index(out, `"id": "`); i >= 0 {
		sid = strings.SplitN(out[i+7:], `"`, 2)[0]
	}
	if code, o, e := pulse(t, dir, "alerts", "unsilence", "--config", cfg, sid); code != 0 {
		t.Fatalf("unsilence %q: %d %s %s", sid, code, o, e)
	}
}
