package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TokenPrefix starts every API token, so a leaked one is recognisable
// (secret scanners) and never confused with an agent's provisioning token.
const TokenPrefix = "pulse_"

// Token is an API token's public record: never its secret or hash.
type Token struct {
	// ID names the token in list and revoke; it is the part of the token
	// between the prefix and the secret.
	ID string `json:"id"`
	// Scope is what the token may do.
	Scope Scope `json:"scope"`
	// Label is the operator's note.
	Label string `json:"label,omitempty"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when it stops working; nil never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// RevokedAt is when it was revoked; nil while valid.
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// LastUsedAt is its last use, recorded at most once a minute.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// State is "active", "expired" or "revoked" at time now.
func (t Token) State(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return "expired"
	}
	return "active"
}

// CreateToken makes a token and returns its secret, the only time it is
// ever available. ttl 0 means no expiry.
func (s *Store) CreateToken(ctx context.Context, scope Scope, label string, ttl time.Duration) (string, Token, error) {
	if scope.rank() == 0 {
		return "", Token{}, fmt.Errorf("create token: scope %q is not one of read, control, admin", scope)
	}
	if ttl < 0 {
		return "", Token{}, fmt.Errorf("create token: ttl %s is negative; use a positive duration or 0 for none", ttl)
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	t := Token{ID: randomString(5), Scope: scope, Label: label, CreatedAt: now}
	secret := TokenPrefix + t.ID + "_" + randomString(32)
	var exp sql.NullInt64
	if ttl > 0 {
		e := now.Add(ttl)
		t.ExpiresAt = &e
		exp = sql.NullInt64{Int64: ms(e), Valid: true}
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO auth_tokens(id, hash, scope, label, created_at, expires_at) VALUES(?,?,?,?,?,?)`,
		t.ID, hashSecret(secret), string(scope), label, ms(now), exp); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return secret, t, nil
}

// Tokens lists every token, newest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, scope, label, created_at, expires_at, revoked_at, last_used_at FROM auth_tokens ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created int64
		var exp, rev, used sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Scope, &t.Label, &created, &exp, &rev, &used); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.CreatedAt = time.UnixMilli(created).UTC()
		t.ExpiresAt, t.RevokedAt, t.LastUsedAt = fromMS(exp), fromMS(rev), fromMS(used)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token by id (the id alone, or a whole token: only
// its id part is used). Revoking twice is not an error.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	if strings.HasPrefix(id, TokenPrefix) {
		id, _, _ = strings.Cut(strings.TrimPrefix(id, TokenPrefix), "_")
	}
	res, err := s.db.ExecContext(ctx, `UPDATE auth_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, ms(s.Now()), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token %q: %w; `pulse apitoken list` shows the ids", id, ErrNotFound)
	}
	return nil
}

// VerifyToken checks a presented token and returns who it is.
func (s *Store) VerifyToken(ctx context.Context, secret string) (Principal, error) {
	rest, ok := strings.CutPrefix(secret, TokenPrefix)
	if !ok {
		return Principal{}, fmt.Errorf("%w: not a pulse API token (they start with %q)", ErrUnauthenticated, TokenPrefix)
	}
	id, _, ok := strings.Cut(rest, "_")
	if !ok || id == "" {
		return Principal{}, fmt.Errorf("%w: malformed API token", ErrUnauthenticated)
	}
	var hash, scope, label string
	var exp, rev sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT hash, scope, label, expires_at, revoked_at FROM auth_tokens WHERE id = ?`, id).
		Scan(&hash, &scope, &label, &exp, &rev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Principal{}, fmt.Errorf("%w: unknown API token", ErrUnauthenticated)
	case err != nil:
		return Principal{}, fmt.Errorf("verify token: %w", err)
	}
	if !equalHash(hash, hashSecret(secret)) {
		return Principal{}, fmt.Errorf("%w: unknown API token", ErrUnauthenticated)
	}
	now := s.Now()
	if rev.Valid {
		return Principal{}, fmt.Errorf("%w: API token %s was revoked", ErrUnauthenticated, id)
	}
	if exp.Valid && now.UnixMilli() >= exp.Int64 {
		return Principal{}, fmt.Errorf("%w: API token %s expired at %s", ErrUnauthenticated, id, fromMS(exp).Format(time.RFC3339))
	}
	s.noteUse(ctx, id, now)
	return Principal{Kind: KindToken, ID: id, Name: label, Scope: Scope(scope)}, nil
}

// noteUse records a token's use at most once a minute.
func (s *Store) noteUse(ctx context.Context, id string, now time.Time) {
	s.mu.Lock()
	last := s.lastUsed[id]
	if now.Sub(last) < time.Minute {
		s.mu.Unlock()
		return
	}
	s.lastUsed[id] = now
	s.mu.Unlock()
	_, _ = s.db.ExecContext(ctx, `UPDATE auth_tokens SET last_used_at = ? WHERE id = ?`, ms(now), id)
}
