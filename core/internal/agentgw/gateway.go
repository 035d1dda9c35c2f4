package agentgw

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// Sink is what the gateway writes accepted telemetry to: the unified store.
type Sink interface {
	ApplySnapshot(ctx context.Context, src resource.SourceRef, snap resource.Snapshot, at time.Time) (store.ApplyStats, error)
	ApplyDelta(ctx context.Context, src resource.SourceRef, d resource.Delta, at time.Time) (store.ApplyStats, error)
	MarkStale(ctx context.Context, src resource.SourceRef, reason string, at time.Time) error
}

// Options tune a Gateway.
type Options struct {
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// EnrollBurst and EnrollEvery rate-limit enrollment per source address:
	// EnrollBurst attempts at once, then one per EnrollEvery. Defaults 10
	// and 6s.
	EnrollBurst int
	EnrollEvery time.Duration
}

// Gateway serves the agent endpoints.
type Gateway struct {
	db      *sql.DB
	sink    Sink
	log     hclog.Logger
	now     func() time.Time
	limiter *limiter

	keys sync.Map // fingerprint -> cachedKey: parsed keys by their .pub line
	inv  sync.Map // fingerprint -> *inventory of the last full report
	// wmu serializes the gateway's writes (seq record and store apply), so
	// concurrent reports queue here instead of in SQLite's busy handler,
	// whose sleeps would dominate the latency.
	wmu sync.Mutex
	mu  sync.Mutex
	// stale holds the agents marked stale or revoked in the store, with the
	// reason, so the watcher does each once.
	stale map[string]string
	// chans are the agents' open command channels.
	chans channels
	// rejected counts projected records ingest.CheckSnapshot left out;
	// rejectionsLogged holds the reasons already logged (platform, kind,
	// reason), so each is logged once per gateway.
	rejected         atomic.Uint64
	rejectionsLogged sync.Map
}

type cachedKey struct {
	line string
	pub  ssh.PublicKey
}

// New builds a gateway over db (opened with OpenDB) writing to sink.
func New(db *sql.DB, sink Sink, log hclog.Logger, o Options) *Gateway {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EnrollBurst <= 0 {
		o.EnrollBurst = 10
	}
	if o.EnrollEvery <= 0 {
		o.EnrollEvery = 6 * time.Second
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Gateway{db: db, sink: sink, log: log.Named("agentgw"), now: o.Now,
		limiter: newLimiter(o.EnrollBurst, o.EnrollEvery), stale: map[string]string{}}
}

// Handler routes the agent endpoints.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(agentwire.PathEnroll, postOnly(g.enroll))
	mux.HandleFunc(agentwire.PathReport, postOnly(g.report))
	mux.HandleFunc("GET "+agentwire.PathCommands, g.commands)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s; the agent listener serves POST %s, POST %s and GET %s (WebSocket)", r.Method, r.URL.Path, agentwire.PathEnroll, agentwire.PathReport, agentwire.PathCommands))
	})
	return mux
}

// postOnly refuses other methods with a JSON 405.
func postOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s takes POST, not %s", r.URL.Path, r.Method))
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, agentwire.ErrorBody{Error: msg})
}

// fail writes err: a Refusal as its status, anything else as a 500.
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, err error) {
	var rf *Refusal
	if errors.As(err, &rf) {
		g.log.Debug("refused", "path", r.URL.Path, "remote", r.RemoteAddr, "status", rf.Status, "reason", rf.Message)
		writeError(w, rf.Status, rf.Message)
		return
	}
	g.log.Error("agent request failed", "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error; see the core's log")
}

// readBody reads at most MaxBodyBytes; above that it refuses with 413.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > agentwire.MaxBodyBytes {
		return nil, refuse(http.StatusRequestEntityTooLarge, "body of %d bytes exceeds the 1 MiB limit", r.ContentLength)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, agentwire.MaxBodyBytes+1))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "reading the body: %v", err)
	}
	if len(b) > agentwire.MaxBodyBytes {
		return nil, refuse(http.StatusRequestEntityTooLarge, "body exceeds the 1 MiB limit")
	}
	return b, nil
}

// signature parses the Pulse-Signature header.
func signature(r *http.Request) (*agentwire.Signature, error) {
	sig, err := agentwire.ParseHeader(r.Header.Get(agentwire.HeaderSignature))
	if err != nil {
		return nil, refuse(http.StatusUnauthorized, "%v", err)
	}
	return sig, nil
}

func remoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

func (g *Gateway) enroll(w http.ResponseWriter, r *http.Request) {
	now := g.now()
	if !g.limiter.allow(remoteHost(r), now) {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, "too many enrollment attempts from this address; wait and try again")
		return
	}
	resp, err := g.doEnroll(r, now)
	if err != nil {
		g.fail(w, r, err)
		return
	}
	g.log.Info("agent enrolled", "fingerprint", resp.Fingerprint, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusCreated, resp)
}

func (g *Gateway) doEnroll(r *http.Request, now time.Time) (*agentwire.EnrollResponse, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	sig, err := signature(r)
	if err != nil {
		return nil, err
	}
	req, err := agentwire.ParseEnroll(body)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	pub, err := ParseAgentKey(req.PublicKey)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	if err := sig.Verify(pub, agentwire.NamespaceEnroll, body); err != nil {
		return nil, refuse(http.StatusUnauthorized, "enrollment signature: %v (sign the exact body with the key being enrolled, namespace %s)", err, agentwire.NamespaceEnroll)
	}
	ctx := r.Context()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	tokenID, labels, err := consumeToken(ctx, tx, req.Token, now)
	if err != nil {
		return nil, err
	}
	fp, err := insertAgent(ctx, tx, pub, req.Hostname, req.HWUUID, ViaToken, tokenID, labels, now)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	return &agentwire.EnrollResponse{Fingerprint: fp, EnrolledAt: now.UTC(), ReportPath: agentwire.PathReport}, nil
}

func (g *Gateway) report(w http.ResponseWriter, r *http.Request) {
	seq, err := g.doReport(r)
	if err != nil {
		g.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agentwire.ReportResponse{Accepted: seq})
}

// agentKey looks up an agent's key and state.
func (g *Gateway) agentKey(ctx context.Context, fp string) (ssh.PublicKey, uint64, error) {
	var line string
	var seq int64
	var revoked sql.NullInt64
	err := g.db.QueryRowContext(ctx, `SELECT public_key, last_seq, revoked_at FROM agents WHERE fingerprint = ?`, fp).Scan(&line, &seq, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, refuse(http.StatusForbidden, "agent %s is not enrolled (enroll with a provisioning token, or pulse agent add)", fp)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("look up agent: %w", err)
	}
	if revoked.Valid {
		return nil, 0, refuse(http.StatusForbidden, "agent %s was revoked at %s", fp, time.UnixMilli(revoked.Int64).UTC().Format(time.RFC3339))
	}
	if c, ok := g.keys.Load(fp); ok && c.(cachedKey).line == line {
		return c.(cachedKey).pub, uint64(seq), nil
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, 0, fmt.Errorf("stored key of %s: %w", fp, err)
	}
	g.keys.Store(fp, cachedKey{line: line, pub: pub})
	return pub, uint64(seq), nil
}

func (g *Gateway) doReport(r *http.Request) (uint64, error) {
	body, err := readBody(r)
	if err != nil {
		return 0, err
	}
	sig, err := signature(r)
	if err != nil {
		return 0, err
	}
	// The signature names its key: find the agent by it and verify before
	// trusting anything in the body.
	fp := agentwire.Fingerprint(sig.PublicKey)
	ctx := r.Context()
	pub, last, err := g.agentKey(ctx, fp)
	if err != nil {
		return 0, err
	}
	if err := sig.Verify(pub, agentwire.NamespaceReport, body); err != nil {
		return 0, refuse(http.StatusUnauthorized, "report signature: %v (sign the exact body with the enrolled key, namespace %s)", err, agentwire.NamespaceReport)
	}
	rep, sentAt, err := agentwire.ParseReport(body)
	if err != nil {
		return 0, refuse(http.StatusBadRequest, "%v", err)
	}
	if rep.Fingerprint != fp {
		return 0, refuse(http.StatusBadRequest, "report fingerprint %s is not the signing key's %s", rep.Fingerprint, fp)
	}
	now := g.now()
	if skew := sentAt.Sub(now); skew > agentwire.MaxClockSkew || skew < -agentwire.MaxClockSkew {
		return 0, refuse(http.StatusBadRequest, "sent_at %s is %s from the core's clock (%s); at most ±5m is accepted: check the agent's clock (NTP)",
			rep.SentAt, skew.Round(time.Second), now.UTC().Format(time.RFC3339))
	}
	if rep.Seq <= last {
		return 0, refuse(http.StatusConflict, "seq %d is not above the last accepted seq %d for this agent (a replayed or reordered report)", rep.Seq, last)
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	snap, full, err := g.project(ctx, fp, &rep, sentAt)
	if err != nil {
		return 0, err
	}
	// The durable seq is the gate: the conditional update admits one report
	// per seq even when two arrive at once.
	iv := int64(0)
	if rep.Telemetry.Agent != nil && rep.Telemetry.Agent.IntervalSeconds > 0 {
		iv = rep.Telemetry.Agent.IntervalSeconds * 1000
	}
	var res sql.Result
	if full != nil {
		res, err = g.db.ExecContext(ctx, `UPDATE agents SET last_seq = ?, last_report = ?, interval_ms = ?, hostname = ?, last_full = ?
			WHERE fingerprint = ? AND revoked_at IS NULL AND last_seq < ?`, rep.Seq, now.UnixMilli(), iv, rep.Telemetry.Identity.Hostname, full, fp, rep.Seq)
	} else {
		res, err = g.db.ExecContext(ctx, `UPDATE agents SET last_seq = ?, last_report = ?, interval_ms = ?
			WHERE fingerprint = ? AND revoked_at IS NULL AND last_seq < ?`, rep.Seq, now.UnixMilli(), iv, fp, rep.Seq)
	}
	if err != nil {
		return 0, fmt.Errorf("record seq: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, refuse(http.StatusConflict, "seq %d is not above the last accepted seq for this agent (a replayed or reordered report)", rep.Seq)
	}
	src := resource.SourceRef{Platform: "agent", Connection: ConnectionName(fp)}
	if _, err := g.sink.ApplySnapshot(ctx, src, g.checked(fp, "agent", snap), now); err != nil {
		return 0, fmt.Errorf("apply report of %s: %w", fp, err)
	}
	if d := rep.Telemetry.Docker; d != nil {
		dsrc := resource.SourceRef{Platform: PlatformDocker, Connection: ConnectionName(fp)}
		ds := g.checked(fp, PlatformDocker, ProjectDocker(fp, rep.Telemetry.Identity.Hostname, d, now))
		var err error
		if d.Reachable {
			_, err = g.sink.ApplySnapshot(ctx, dsrc, ds, now)
		} else {
			// An unreachable engine says nothing about its containers: keep
			// them, mark the engine offline and raise its alert.
			_, err = g.sink.ApplyDelta(ctx, dsrc, resource.Delta{Upserts: ds.Resources, Alerts: ds.Alerts}, now)
		}
		if err != nil {
			return 0, fmt.Errorf("apply docker report of %s: %w", fp, err)
		}
	}
	if k := rep.Telemetry.Kubernetes; k != nil && k.ClusterUID != "" {
		ksrc := resource.SourceRef{Platform: PlatformKubernetes, Connection: ConnectionName(fp)}
		if _, err := g.sink.ApplySnapshot(ctx, ksrc, g.checked(fp, PlatformKubernetes, ProjectKubernetes(k, now)), now); err != nil {
			return 0, fmt.Errorf("apply kubernetes report of %s: %w", fp, err)
		}
	}
	if rep.Kind == agentwire.KindFull {
		g.inv.Store(fp, &inventory{Capabilities: rep.Telemetry.Capabilities, Environment: rep.Telemetry.Environment})
	}
	g.mu.Lock()
	delete(g.stale, fp)
	g.mu.Unlock()
	return rep.Seq, nil
}
