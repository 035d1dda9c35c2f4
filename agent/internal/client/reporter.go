package client

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
)

// SpoolLimit is how many full reports the spool keeps (the newest).
const SpoolLimit = 8

// Reporter signs and sends reports with a strictly increasing seq kept in
// the state directory, and spools full reports it could not deliver.
type Reporter struct {
	hc          *http.Client
	server      string
	signer      ssh.Signer
	fingerprint string
	stateDir    string
	now         func() time.Time

	mu  sync.Mutex
	seq uint64
}

// NewReporter loads the last seq from stateDir/seq.
func NewReporter(hc *http.Client, server string, signer ssh.Signer, stateDir string) (*Reporter, error) {
	if err := os.MkdirAll(filepath.Join(stateDir, "spool"), 0o700); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	r := &Reporter{hc: hc, server: server, signer: signer, fingerprint: agentwire.Fingerprint(signer.PublicKey()), stateDir: stateDir, now: time.Now}
	if b, err := os.ReadFile(filepath.Join(stateDir, "seq")); err == nil {
		r.seq, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	}
	return r, nil
}

// nextSeq is above every seq sent before, even with a lost state file: it
// is at least the current time in microseconds.
func (r *Reporter) nextSeq() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq = max(r.seq+1, uint64(r.now().UnixMicro()))
	return r.seq
}

func (r *Reporter) saveSeq(seq uint64) {
	p := filepath.Join(r.stateDir, "seq")
	_ = os.WriteFile(p+".tmp", []byte(strconv.FormatUint(seq, 10)+"\n"), 0o600)
	_ = os.Rename(p+".tmp", p)
}

// Sign builds and signs a report body.
func (r *Reporter) Sign(kind string, t agentwire.Telemetry) (body []byte, sig string, seq uint64, err error) {
	seq = r.nextSeq()
	body, err = json.Marshal(agentwire.Report{Fingerprint: r.fingerprint, Seq: seq, SentAt: r.now().UTC().Format(time.RFC3339Nano), Kind: kind, Telemetry: t})
	if err != nil {
		return nil, "", 0, err
	}
	sig, err = agentwire.SignHeader(r.signer, agentwire.NamespaceReport, body)
	return body, sig, seq, err
}

// Send signs and sends one report.
func (r *Reporter) Send(ctx context.Context, kind string, t agentwire.Telemetry) error {
	body, sig, seq, err := r.Sign(kind, t)
	if err != nil {
		return err
	}
	var out agentwire.ReportResponse
	if err := Post(ctx, r.hc, r.server, agentwire.PathReport, sig, body, &out); err != nil {
		return err
	}
	r.saveSeq(seq)
	return nil
}

// Spool keeps a full report's telemetry on disk to send later; only the
// newest SpoolLimit stay.
func (r *Reporter) Spool(t agentwire.Telemetry) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	dir := filepath.Join(r.stateDir, "spool")
	name := fmt.Sprintf("full-%020d.json", r.now().UnixNano())
	if err := os.WriteFile(filepath.Join(dir, name+".tmp"), b, 0o600); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(filepath.Join(dir, name+".tmp"), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	files := r.spooled()
	for len(files) > SpoolLimit {
		_ = os.Remove(files[0])
		files = files[1:]
	}
	return nil
}

func (r *Reporter) spooled() []string {
	files, _ := filepath.Glob(filepath.Join(r.stateDir, "spool", "full-*.json"))
	sort.Strings(files)
	return files
}

// Spooled is how many full reports wait in the spool.
func (r *Reporter) Spooled() int { return len(r.spooled()) }

// Drain sends spooled full reports, oldest first, re-signed now; it stops
// at the first failure and leaves the rest. A report the server refuses
// (4xx) is dropped rather than retried forever.
func (r *Reporter) Drain(ctx context.Context) error {
	for _, f := range r.spooled() {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var t agentwire.Telemetry
		if json.Unmarshal(b, &t) != nil {
			_ = os.Remove(f)
			continue
		}
		if err := r.Send(ctx, agentwire.KindFull, t); err != nil {
			if se, ok := err.(*ServerError); ok && se.Status/100 == 4 && se.Status != http.StatusTooManyRequests {
				_ = os.Remove(f)
			}
			return err
		}
		_ = os.Remove(f)
	}
	return nil
}

// Backoff is capped exponential backoff with full jitter.
type Backoff struct {
	Base, Cap time.Duration
	n         int
}

// Next returns the next delay: a random duration in [d/2, d] where d
// doubles from Base up to Cap.
func (b *Backoff) Next() time.Duration {
	d := b.Base << min(b.n, 30)
	if d <= 0 || d > b.Cap {
		d = b.Cap
	}
	b.n++
	return d/2 + rand.N(d/2+1)
}

// Reset starts over after a success.
func (b *Backoff) Reset() { b.n = 0 }
