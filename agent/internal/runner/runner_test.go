package runner

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/agent/internal/client"
	"github.com/pulsehost/pulse/agent/internal/collect"
	"github.com/pulsehost/pulse/core/agentwire"
)

// fakeCore accepts signed reports while up and answers 503 while down.
type fakeCore struct {
	mu       sync.Mutex
	down     bool
	attempts []time.Time
	kinds    []string
	seqs     []uint64
}

func (f *fakeCore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, time.Now())
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rep, _, err := agentwire.ParseReport(body)
	if err != nil {
		w.WriteHeader(400)
		return
	}
	f.kinds = append(f.kinds, rep.Kind)
	f.seqs = append(f.seqs, rep.Seq)
	_, _ = w.Write([]byte(`{"accepted_seq":1}`))
}

func (f *fakeCore) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

// TestOutageBackoffSpoolAndRecovery: while the core is down the agent
// retries with growing delays, spools its full reports (bounded), keeps
// them across its own restart, and delivers them once the core is back,
// with seqs strictly increasing throughout.
func TestOutageBackoffSpoolAndRecovery(t *testing.T) {
	core := &fakeCore{down: true}
	srv := httptest.NewTLSServer(core)
	defer srv.Close()
	h := sha256.Sum256(srv.Certificate().Raw)
	hc, err := client.HTTP(client.Pin{Fingerprint: "SHA256:" + hex.EncodeToString(h[:])}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	state := t.TempDir()

	start := func() (context.CancelFunc, chan struct{}) {
		rep, err := client.NewReporter(hc, srv.URL, signer, state)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = Run(ctx, Config{Reporter: rep, Collector: collect.New(collect.Options{Interval: 50 * time.Millisecond}),
				Interval: 50 * time.Millisecond, BackoffBase: 20 * time.Millisecond, BackoffCap: 160 * time.Millisecond, Log: hclog.NewNullLogger()})
		}()
		return cancel, done
	}
	spooled := func() int {
		r, _ := client.NewReporter(hc, srv.URL, signer, state)
		return r.Spooled()
	}

	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	attempts := func() int { core.mu.Lock(); defer core.mu.Unlock(); return len(core.attempts) }

	cancel, done := start()
	t0 := time.Now()
	waitUntil("the start's full report spooled and four attempts", func() bool { return spooled() == 1 && attempts() >= 4 })
	time.Sleep(300 * time.Millisecond)
	elapsed := time.Since(t0)
	cancel()
	<-done
	if n := spooled(); n != 1 {
		t.Fatalf("spooled after the first outage run = %d, want 1 full report (metrics reports are not spooled)", n)
	}
	// Backoff bounds the retry rate: at the 50 ms interval without backoff
	// there would be elapsed/50ms attempts; with it (20 ms doubling to a
	// 160 ms cap, jittered) there are far fewer.
	if n, most := attempts(), int(elapsed/(50*time.Millisecond)); n > most {
		t.Fatalf("%d attempts in %s: backoff is not slowing the retries", n, elapsed)
	}

	// The agent restarts during the outage: another full report is spooled.
	cancel, done = start()
	waitUntil("a second full report spooled after the agent's restart", func() bool { return spooled() == 2 })
	core.set(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		core.mu.Lock()
		full := 0
		for _, k := range core.kinds {
			if k == agentwire.KindFull {
				full++
			}
		}
		metrics := len(core.kinds) - full
		core.mu.Unlock()
		if full >= 2 && metrics >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after recovery: kinds %v", core.kinds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if n := spooled(); n != 0 {
		t.Fatalf("spool not drained: %d", n)
	}
	for i := 1; i < len(core.seqs); i++ {
		if core.seqs[i] <= core.seqs[i-1] {
			t.Fatalf("seq not strictly increasing: %v", core.seqs)
		}
	}
}

func TestSpoolIsBounded(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	rep, err := client.NewReporter(http.DefaultClient, "https://127.0.0.1:1", signer, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < client.SpoolLimit*3; i++ {
		var tel agentwire.Telemetry
		tel.Identity.Hostname = string(rune('a' + i))
		if err := rep.Spool(tel); err != nil {
			t.Fatal(err)
		}
	}
	if n := rep.Spooled(); n != client.SpoolLimit {
		t.Fatalf("spool holds %d, want %d", n, client.SpoolLimit)
	}
	_ = json.Valid
}
