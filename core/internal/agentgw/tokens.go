package agentgw

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// tokenPrefix starts every provisioning token: pulse_<id>_<secret>.
const tokenPrefix = "pulse_"

// Token is a provisioning token as stored (never its secret).
type Token struct {
	// ID is the token's public id (the part of the token before its secret).
	ID string `json:"id"`
	// Labels are key=value labels given at creation; enrolled agents carry them.
	Labels map[string]string `json:"labels"`
	// CreatedAt is when it was created.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when it stops enrolling.
	ExpiresAt time.Time `json:"expires_at"`
	// MaxUses is how many enrollments it allows.
	MaxUses int `json:"max_uses"`
	// Uses is how many enrollments it made.
	Uses int `json:"uses"`
	// RevokedAt is when it was revoked, if it was.
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// State says whether t can still enroll at now.
func (t Token) State(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case !now.Before(t.ExpiresAt):
		return "expired"
	case t.Uses >= t.MaxUses:
		return "used"
	}
	return "active"
}

// Refusal is a request the gateway refuses: an HTTP status and a message for
// the {"error": ...} body.
type Refusal struct {
	Status  int
	Message string
}

func (r *Refusal) Error() string { return r.Message }

func refuse(status int, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Message: fmt.Sprintf(format, args...)}
}

// CreateToken stores a new provisioning token valid for ttl and uses
// enrollments and returns it; its secret is only in the returned string.
func CreateToken(ctx context.Context, db *sql.DB, ttl time.Duration, uses int, labels map[string]string, now time.Time) (string, Token, error) {
	if ttl <= 0 {
		return "", Token{}, fmt.Errorf("create token: ttl %s must be positive (e.g. 15m)", ttl)
	}
	if uses < 1 {
		return "", Token{}, fmt.Errorf("create token: uses %d must be at least 1", uses)
	}
	if labels == nil {
		labels = map[string]string{}
	}
	var idb [6]byte
	var secret [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	id := hex.EncodeToString(idb[:])
	sec := base64.RawURLEncoding.EncodeToString(secret[:])
	h := sha256.Sum256([]byte(sec))
	lj, _ := json.Marshal(labels)
	t := Token{ID: id, Labels: labels, CreatedAt: now.UTC().Truncate(time.Millisecond),
		ExpiresAt: now.Add(ttl).UTC().Truncate(time.Millisecond), MaxUses: uses}
	if _, err := db.ExecContext(ctx, `INSERT INTO agent_tokens(id, hash, labels, created_at, expires_at, max_uses) VALUES(?,?,?,?,?,?)`,
		id, h[:], string(lj), t.CreatedAt.UnixMilli(), t.ExpiresAt.UnixMilli(), uses); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return tokenPrefix + id + "_" + sec, t, nil
}

// ListTokens lists every provisioning token, newest first.
func ListTokens(ctx context.Context, db *sql.DB) ([]Token, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, labels, created_at, expires_at, max_uses, uses, revoked_at FROM agent_tokens ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var labels string
		var created, expires int64
		var revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &labels, &created, &expires, &t.MaxUses, &t.Uses, &revoked); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		_ = json.Unmarshal([]byte(labels), &t.Labels)
		t.CreatedAt, t.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
		if revoked.Valid {
			r := time.UnixMilli(revoked.Int64).UTC()
			t.RevokedAt = &r
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token by id (or by the whole token string).
func RevokeToken(ctx context.Context, db *sql.DB, idOrToken string, now time.Time) error {
	id := idOrToken
	if strings.HasPrefix(id, tokenPrefix) {
		id, _, _ = splitToken(id)
	}
	res, err := db.ExecContext(ctx, `UPDATE agent_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, now.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token: no token with id %q (see pulse token list)", id)
	}
	return nil
}

// splitToken splits pulse_<id>_<secret>.
func splitToken(tok string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(tok, tokenPrefix)
	if !found {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	return id, secret, ok && id != "" && secret != ""
}

var errInvalidToken = refuse(401, "invalid provisioning token (create one with `pulse token create`)")

// consumeToken uses one enrollment of tok inside tx, atomically: of two
// concurrent enrollments with a single-use token, one wins. The secret is
// compared in constant time against the stored hash; the refusal never says
// which part matched. It returns the token's id and labels.
func consumeToken(ctx context.Context, tx *sql.Tx, tok string, now time.Time) (string, string, error) {
	id, secret, ok := splitToken(tok)
	if !ok {
		return "", "", errInvalidToken
	}
	// The write comes first, so the transaction takes the write lock at once
	// (waiting on the busy timeout) and the check-and-use is one step.
	res, err := tx.ExecContext(ctx, `UPDATE agent_tokens SET uses = uses + 1
		WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses`, id, now.UnixMilli())
	if err != nil {
		return "", "", fmt.Errorf("use token: %w", err)
	}
	used, _ := res.RowsAffected()
	var hash []byte
	var labels string
	var expires int64
	var uses, maxUses int
	var revoked sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT hash, labels, expires_at, uses, max_uses, revoked_at FROM agent_tokens WHERE id = ?`, id).
		Scan(&hash, &labels, &expires, &uses, &maxUses, &revoked)
	want := sha256.Sum256([]byte(secret))
	if errors.Is(err, sql.ErrNoRows) {
		// Compare anyway, so an unknown id costs what a known one does.
		subtle.ConstantTimeCompare(want[:], make([]byte, len(want)))
		return "", "", errInvalidToken
	}
	if err != nil {
		return "", "", fmt.Errorf("read token: %w", err)
	}
	if subtle.ConstantTimeCompare(want[:], hash) != 1 {
		return "", "", errInvalidToken
	}
	if used == 1 {
		return id, labels, nil
	}
	switch {
	case revoked.Valid:
		return "", "", refuse(401, "provisioning token was revoked")
	case expires <= now.UnixMilli():
		return "", "", refuse(401, "provisioning token expired at %s; create a new one", time.UnixMilli(expires).UTC().Format(time.RFC3339))
	default:
		return "", "", refuse(401, "provisioning token already used %d of %d times; create a new one", uses, maxUses)
	}
}
