package agentgw

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	dir   string
	db    *sql.DB
	st    *store.Store
	gw    *Gateway
	srv   *httptest.Server
	clock *clock
}

func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := OpenDB(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := store.Open(filepath.Join(dir, DatabaseFile), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	o.Now = c.now
	gw := New(db, st, hclog.NewNullLogger(), o)
	// Every test's projections must pass the plugins' record rules.
	t.Cleanup(func() {
		if n := gw.Rejected(); n > 0 {
			t.Errorf("the gateway left out %d projected records (see ingest.CheckSnapshot)", n)
		}
	})
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, dir: dir, db: db, st: st, gw: gw, srv: srv, clock: c}
}

type agentKey struct {
	signer ssh.Signer
	line   string
	fp     string
}

func newKey(t testing.TB) agentKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return agentKey{signer: s, line: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey()))), fp: agentwire.Fingerprint(s.PublicKey())}
}

func (e *env) token(ttl time.Duration, uses int) string {
	e.t.Helper()
	tok, _, err := CreateToken(context.Background(), e.db, ttl, uses, map[string]string{"site": "lab"}, e.clock.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// post sends body with a signature header (empty: none).
func (e *env) post(path string, body []byte, sig string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(agentwire.HeaderSignature, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func sign(t testing.TB, k agentKey, ns string, body []byte) string {
	t.Helper()
	h, err := agentwire.SignHeader(k.signer, ns, body)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func enrollBody(tok string, k agentKey) []byte {
	b, _ := json.Marshal(agentwire.EnrollRequest{Token: tok, PublicKey: k.line, Hostname: "node1", HWUUID: "4c4c4544-0042-3510-8052-b4c04f384d32"})
	return b
}

func (e *env) enroll(k agentKey) {
	e.t.Helper()
	b := enrollBody(e.token(15*time.Minute, 1), k)
	if code, body := e.post(agentwire.PathEnroll, b, sign(e.t, k, agentwire.NamespaceEnroll, b)); code != http.StatusCreated {
		e.t.Fatalf("enroll = %d %s", code, body)
	}
}

func telemetry(host string) agentwire.Telemetry {
	ratio := 0.25
	return agentwire.Telemetry{
		Identity:     agentwire.Identity{HWUUID: "4c4c4544-0042-3510-8052-b4c04f384d32", HWUUIDSource: "dmi", Hostname: host, MachineID: "6f1c0a5e9d2b4c7f8e3a1b2c3d4e5f60"},
		Environment:  agentwire.Environment{Platform: "bare-metal", OSFamily: "linux", KernelVersion: "6.8.12-4-pve", LastUpdateTimestamp: "2026-11-29T03:00:00Z"},
		Resources:    agentwire.Resources{MemTotalMB: 64000, MemUsedMB: 16000, CPUModel: "AMD EPYC 7302P", CPULoadAvg: 0.5, DiskUtilizationPct: 40, CPUCount: 32, CPUUsageRatio: &ratio, RootTotalBytes: 100 << 30, RootUsedBytes: 40 << 30},
		Capabilities: agentwire.Capabilities{InstalledTools: []string{"zfs", "python3"}},
		Health:       agentwire.Health{UptimeSeconds: 86400, ThermalStatus: "normal"},
		Agent:        &agentwire.AgentInfo{Version: "test", IntervalSeconds: 30},
		Filesystems:  []agentwire.Filesystem{{Mountpoint: "/", Device: "/dev/sda2", FSType: "ext4", TotalBytes: 100 << 30, UsedBytes: 40 << 30, AvailableBytes: 55 << 30}},
		BlockDevices: []agentwire.BlockDevice{{Name: "sda", Model: "Samsung SSD 870", Serial: "S5SXNG0R123456", SizeBytes: 500 << 30, ReadBytesTotal: 1 << 30, WrittenBytesTotal: 2 << 30}},
		Interfaces:   []agentwire.Interface{{Name: "eno1", MAC: "3c:ec:ef:01:02:03", Addresses: []string{"10.0.0.11/24"}, Physical: true, RxBytesTotal: 100, TxBytesTotal: 200}},
		Temperatures: []agentwire.Temperature{{Sensor: "k10temp/Tctl", Celsius: 48}},
	}
}

func reportBody(k agentKey, seq uint64, at time.Time, kind string) []byte {
	b, _ := json.Marshal(agentwire.Report{Fingerprint: k.fp, Seq: seq, SentAt: at.UTC().Format(time.RFC3339), Kind: kind, Telemetry: telemetry("node1")})
	return b
}

// dump is everything the gateway and the store hold, to prove a refusal
// stored nothing.
func (e *env) dump() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, hex(hash), labels, created_at, expires_at, max_uses, uses, revoked_at FROM agent_tokens ORDER BY id`,
		`SELECT fingerprint, public_key, hostname, enrolled_via, enrolled_at, last_report, last_seq, interval_ms, revoked_at, hex(last_full) FROM agents ORDER BY fingerprint`,
	} {
		rows, err := e.db.Query(q)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = rows.Scan(ptrs...)
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	res, _ := json.Marshal(e.st.Resources(store.Filter{}))
	b.Write(res)
	return b.String()
}
