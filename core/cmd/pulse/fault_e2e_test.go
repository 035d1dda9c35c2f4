package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/daemon"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/store"
)

// TestFaultCoreKilledDuringWrites SIGKILLs the core while it writes hard
// (a 500-resource snapshot every second, dashboard sign-ins creating
// sessions) and while a second process creates API tokens in the same
// database, 5 times in make test and 50 in make soak. After each kill the
// database passes PRAGMA integrity_check and no acknowledged write is lost:
// every token whose creation returned, every session whose sign-in
// answered 200, and every resource the API served.
func TestFaultCoreKilledDuringWrites(t *testing.T) {
	kills := 5
	if os.Getenv("PULSE_SOAK") != "" {
		kills = 50
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	control := filepath.Join(dir, "mode")
	writeFile(t, control, "count:500")
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, fmt.Sprintf(`server {
  listen   = %q
  data_dir = "data"
}
connection "proxmox-pmg" "bulk" {
  control_file  = %q
  poll_interval = "1s"
}
`, addr, control))
	bearer = newToken(t, dir, cfg, "read")
	dbPath := filepath.Join(dir, "data", daemon.DatabaseFile)
	ctx := context.Background()

	var tokens []string   // acknowledged API tokens
	var sessions []string // acknowledged sessions (cookie values)
	var lastIDs []string  // resources the API served last
	var totalTokens, totalSessions int
	start := time.Now()
	for i := 0; i < kills; i++ {
		core := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
		core.Dir = dir
		if err := core.Start(); err != nil {
			t.Fatal(err)
		}
		var list resourceList
		waitFor(t, "resources served", 60*time.Second, func() bool {
			return getJSON("http://"+addr+"/api/v1/resources?type=pmg", &list) == nil && list.Count == 500
		})

		// Writers: a second process's token creation, and sign-ins.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		wg.Add(2)
		go func() {
			defer wg.Done()
			as, db, err := daemon.OpenAuth(ctx, filepath.Join(dir, "data"))
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				secret, _, err := as.CreateToken(ctx, "read", "fault", 0)
				if err == nil {
					mu.Lock()
					tokens = append(tokens, secret)
					mu.Unlock()
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(`{"token":"`+bearer+`"}`))
				if err != nil {
					continue
				}
				resp.Body.Close()
				for _, c := range resp.Cookies() {
					if c.Name == "pulse_session" && resp.StatusCode == 200 {
						mu.Lock()
						sessions = append(sessions, c.Value)
						mu.Unlock()
					}
				}
			}
		}()
		time.Sleep(time.Duration(200+rand.IntN(1000)) * time.Millisecond)
		if getJSON("http://"+addr+"/api/v1/resources?type=pmg", &list) == nil {
			lastIDs = lastIDs[:0]
			for _, r := range list.Resources {
				lastIDs = append(lastIDs, r.ID)
			}
		}
		if err := core.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = core.Wait()
		close(stop)
		wg.Wait()

		// The database after the kill.
		db, err := database.Open(dbPath, 1)
		if err != nil {
			t.Fatal(err)
		}
		var check string
		if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("kill %d: integrity_check = %q, %v", i+1, check, err)
		}
		db.Close()
		as, adb, err := daemon.OpenAuth(ctx, filepath.Join(dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			if _, err := as.VerifyToken(ctx, tok); err != nil {
				t.Fatalf("kill %d: an acknowledged token was lost: %v", i+1, err)
			}
		}
		for _, s := range sessions {
			if _, err := as.VerifySession(ctx, s); err != nil {
				t.Fatalf("kill %d: an acknowledged session was lost: %v", i+1, err)
			}
		}
		adb.Close()
		st, err := store.Open(dbPath, hclog.NewNullLogger())
		if err != nil {
			t.Fatalf("kill %d: store does not open: %v", i+1, err)
		}
		for _, id := range lastIDs {
			if _, ok := st.Resource(id); !ok {
				t.Fatalf("kill %d: resource %s served before the kill is gone", i+1, id)
			}
		}
		st.Close()
		totalTokens, totalSessions = len(tokens), len(sessions)
	}
	t.Logf("%d SIGKILLs of the core during writes in %s: integrity_check ok every time; %d acknowledged tokens, %d acknowledged sessions and the %d served resources all present after each restart",
		kills, time.Since(start).Round(time.Millisecond), totalTokens, totalSessions, len(lastIDs))
	if totalSessions == 0 || totalTokens == 0 {
		t.Fatal("no writes were acknowledged: the test proved nothing")
	}
}
