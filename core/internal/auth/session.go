package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DefaultSessionTTL is how long a dashboard session lasts.
const DefaultSessionTTL = 12 * time.Hour

// CreateSession starts a dashboard session for p and returns the session
// id (the cookie's value) and the CSRF token writes must carry; only their
// hashes are stored.
func (s *Store) CreateSession(ctx context.Context, p Principal, ttl time.Duration) (id, csrf string, expires time.Time, err error) {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	id, csrf = randomString(32), randomString(32)
	now := s.Now()
	expires = now.Add(ttl).UTC().Truncate(time.Millisecond)
	subject := p.ID
	if p.Kind == KindToken {
		subject = "token:" + p.ID
	}
	// Expired sessions go as new ones come.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE expires_at <= ?`, ms(now)); err != nil {
		return "", "", time.Time{}, fmt.Errorf("create session: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO auth_sessions(hash, subject, scope, csrf_hash, created_at, expires_at) VALUES(?,?,?,?,?,?)`,
		hashSecret(id), subject, string(p.Scope), hashSecret(csrf), ms(now), ms(expires)); err != nil {
		return "", "", time.Time{}, fmt.Errorf("create session: %w", err)
	}
	return id, csrf, expires, nil
}

// VerifySession checks a session id. A session made from an API token ends
// when the token is revoked or expires.
func (s *Store) VerifySession(ctx context.Context, id string) (Principal, error) {
	var subject, scope, csrf string
	var exp int64
	err := s.db.QueryRowContext(ctx, `SELECT subject, scope, csrf_hash, expires_at FROM auth_sessions WHERE hash = ?`, hashSecret(id)).
		Scan(&subject, &scope, &csrf, &exp)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Principal{}, fmt.Errorf("%w: unknown or ended session; sign in again", ErrUnauthenticated)
	case err != nil:
		return Principal{}, fmt.Errorf("verify session: %w", err)
	}
	if s.Now().UnixMilli() >= exp {
		return Principal{}, fmt.Errorf("%w: session expired; sign in again", ErrUnauthenticated)
	}
	if tokID, ok := cutPrefix(subject, "token:"); ok {
		var live int
		err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_tokens WHERE id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
			tokID, ms(s.Now())).Scan(&live)
		if err != nil {
			return Principal{}, fmt.Errorf("verify session: %w", err)
		}
		if live == 0 {
			return Principal{}, fmt.Errorf("%w: the session's API token was revoked or expired; sign in again", ErrUnauthenticated)
		}
	}
	name := subject
	if n, ok := cutPrefix(subject, "user:"); ok {
		name = n
	}
	return Principal{Kind: KindSession, ID: subject, Name: name, Scope: Scope(scope), csrfHash: csrf}, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE hash = ?`, hashSecret(id)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}
