package agentgw

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
)

// Enrollment methods.
const (
	ViaToken  = "token"
	ViaManual = "manual"
)

// Agent states.
const (
	StateActive  = "active"
	StateStale   = "stale"
	StateRevoked = "revoked"
	StatePending = "enrolled" // enrolled, no report yet
)

// Agent is an enrolled agent as GET /api/v1/agents lists it.
type Agent struct {
	// Fingerprint is the agent's identity, its key's SHA256: fingerprint.
	Fingerprint string `json:"fingerprint"`
	// PublicKey is the enrolled key, the .pub line.
	PublicKey string `json:"public_key"`
	// Hostname is what the agent reported (enrollment or last full report).
	Hostname string `json:"hostname"`
	// HWUUID is the hardware UUID it enrolled with.
	HWUUID string `json:"hw_uuid,omitempty"`
	// EnrolledVia is "token" or "manual".
	EnrolledVia string `json:"enrolled_via"`
	// TokenID is the provisioning token's id, for token enrollments.
	TokenID string `json:"token_id,omitempty"`
	// Labels are the token's labels.
	Labels map[string]string `json:"labels,omitempty"`
	// EnrolledAt is when it was enrolled.
	EnrolledAt time.Time `json:"enrolled_at"`
	// LastReport is when its last report was accepted.
	LastReport *time.Time `json:"last_report,omitempty"`
	// LastSeq is the last accepted seq.
	LastSeq uint64 `json:"last_seq"`
	// IntervalSeconds is its stated report interval.
	IntervalSeconds int64 `json:"interval_seconds"`
	// State is enrolled (no report yet), active, stale or revoked.
	State string `json:"state"`
	// StaleReason says why it is stale.
	StaleReason string `json:"stale_reason,omitempty"`
	// RevokedAt is when its key was revoked.
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// Resource is the canonical connection of its records: platform agent,
	// this connection name.
	Connection string `json:"connection"`
}

// ConnectionName is the store connection of an agent's records: the
// fingerprint with base64's '/' and '+' made path-safe.
func ConnectionName(fingerprint string) string {
	return strings.NewReplacer("/", "_", "+", "-").Replace(fingerprint)
}

// staleAfter is how long an agent may be silent before it is stale.
func staleAfter(interval time.Duration) time.Duration {
	if interval <= 0 {
		interval = agentwire.DefaultReportInterval
	}
	return 3 * interval
}

func (a *Agent) derive(now time.Time) {
	a.Connection = ConnectionName(a.Fingerprint)
	switch {
	case a.RevokedAt != nil:
		a.State = StateRevoked
	case a.LastReport == nil:
		a.State = StatePending
	default:
		iv := time.Duration(a.IntervalSeconds) * time.Second
		if silent := now.Sub(*a.LastReport); silent > staleAfter(iv) {
			a.State = StateStale
			a.StaleReason = staleReason(iv, *a.LastReport)
		} else {
			a.State = StateActive
		}
	}
}

func staleReason(iv time.Duration, last time.Time) string {
	if iv <= 0 {
		iv = agentwire.DefaultReportInterval
	}
	return fmt.Sprintf("agent silent for 3 report intervals (%s each); last report at %s", iv, last.UTC().Format(time.RFC3339))
}

const agentCols = `fingerprint, public_key, hostname, hw_uuid, enrolled_via, token_id, labels, enrolled_at, last_report, last_seq, interval_ms, revoked_at`

func scanAgent(sc interface{ Scan(...any) error }) (Agent, error) {
	var a Agent
	var labels string
	var enrolled int64
	var last, revoked sql.NullInt64
	var seq, ivms int64
	if err := sc.Scan(&a.Fingerprint, &a.PublicKey, &a.Hostname, &a.HWUUID, &a.EnrolledVia, &a.TokenID, &labels, &enrolled, &last, &seq, &ivms, &revoked); err != nil {
		return Agent{}, err
	}
	_ = json.Unmarshal([]byte(labels), &a.Labels)
	if len(a.Labels) == 0 {
		a.Labels = nil
	}
	a.EnrolledAt = time.UnixMilli(enrolled).UTC()
	a.LastSeq = uint64(seq)
	a.IntervalSeconds = ivms / 1000
	if last.Valid {
		t := time.UnixMilli(last.Int64).UTC()
		a.LastReport = &t
	}
	if revoked.Valid {
		t := time.UnixMilli(revoked.Int64).UTC()
		a.RevokedAt = &t
	}
	return a, nil
}

// ListAgents lists every agent ever enrolled, with its state at now.
func ListAgents(ctx context.Context, db *sql.DB, now time.Time) ([]Agent, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+agentCols+` FROM agents ORDER BY enrolled_at, fingerprint`)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	out := []Agent{}
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("list agents: %w", err)
		}
		a.derive(now)
		out = append(out, a)
	}
	return out, rows.Err()
}

// GetAgent returns one agent.
func GetAgent(ctx context.Context, db *sql.DB, fingerprint string, now time.Time) (Agent, bool, error) {
	a, err := scanAgent(db.QueryRowContext(ctx, `SELECT `+agentCols+` FROM agents WHERE fingerprint = ?`, fingerprint))
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, false, nil
	}
	if err != nil {
		return Agent{}, false, fmt.Errorf("get agent: %w", err)
	}
	a.derive(now)
	return a, true, nil
}

// ParseAgentKey parses a .pub line and checks it is an ed25519 key.
func ParseAgentKey(line string) (ssh.PublicKey, error) {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("public_key is not an OpenSSH public key line (want \"ssh-ed25519 AAAA... comment\"): %w", err)
	}
	if pub.Type() != ssh.KeyAlgoED25519 {
		return nil, fmt.Errorf("public_key is a %s key; pulse agents use ed25519 keys", pub.Type())
	}
	return pub, nil
}

// insertAgent enrolls pub inside tx. An enrolled, unrevoked key is refused;
// a revoked one enrolls again, keeping its last seq so old reports stay
// refused.
func insertAgent(ctx context.Context, tx *sql.Tx, pub ssh.PublicKey, hostname, hwUUID, via, tokenID, labels string, now time.Time) (string, error) {
	fp := agentwire.Fingerprint(pub)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	if labels == "" {
		labels = "{}"
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO agents(fingerprint, public_key, hostname, hw_uuid, enrolled_via, token_id, labels, enrolled_at)
		VALUES(?,?,?,?,?,?,?,?)
		ON CONFLICT(fingerprint) DO UPDATE SET public_key = excluded.public_key, hostname = excluded.hostname,
			hw_uuid = excluded.hw_uuid, enrolled_via = excluded.enrolled_via, token_id = excluded.token_id,
			labels = excluded.labels, enrolled_at = excluded.enrolled_at, revoked_at = NULL, last_full = NULL
		WHERE agents.revoked_at IS NOT NULL`,
		fp, line, hostname, hwUUID, via, tokenID, labels, now.UnixMilli())
	if err != nil {
		return "", fmt.Errorf("enroll %s: %w", fp, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", refuse(409, "key %s is already enrolled; revoke it first (pulse agent revoke) to enroll it again", fp)
	}
	return fp, nil
}

// AddAgent enrolls a public key by hand (the seed's authorized-keys path).
func AddAgent(ctx context.Context, db *sql.DB, pubLine string, now time.Time) (string, error) {
	pub, err := ParseAgentKey(pubLine)
	if err != nil {
		return "", err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback() }()
	fp, err := insertAgent(ctx, tx, pub, "", "", ViaManual, "", "{}", now)
	if err != nil {
		return "", err
	}
	return fp, tx.Commit()
}

// RevokeAgent revokes an agent's key: its reports are refused from now on.
func RevokeAgent(ctx context.Context, db *sql.DB, fingerprint string, now time.Time) error {
	res, err := db.ExecContext(ctx, `UPDATE agents SET revoked_at = COALESCE(revoked_at, ?) WHERE fingerprint = ?`, now.UnixMilli(), fingerprint)
	if err != nil {
		return fmt.Errorf("revoke agent: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke agent: no agent with fingerprint %q (see pulse agent list)", fingerprint)
	}
	return nil
}
