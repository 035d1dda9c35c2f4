package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

var userNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// User is a local user's public record (never the hash).
type User struct {
	// Name signs in.
	Name string `json:"name"`
	// Scope is what the user's sessions may do.
	Scope Scope `json:"scope"`
	// CreatedAt and UpdatedAt (password changes).
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func checkUser(name, password string) error {
	if !userNameRE.MatchString(name) {
		return fmt.Errorf("user name %q: use 1-64 lower-case letters, digits and . _ @ -, starting with a letter or digit", name)
	}
	if len(password) < MinPasswordLen {
		return fmt.Errorf("password is %d characters; use at least %d", len(password), MinPasswordLen)
	}
	return nil
}

// AddUser adds a local user with an argon2id password hash.
func (s *Store) AddUser(ctx context.Context, name, password string, scope Scope) error {
	if err := checkUser(name, password); err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	if scope.rank() == 0 {
		return fmt.Errorf("add user: scope %q is not one of read, control, admin", scope)
	}
	now := ms(s.Now())
	res, err := s.db.ExecContext(ctx, `INSERT INTO auth_users(name, password, scope, created_at, updated_at) VALUES(?,?,?,?,?)
		ON CONFLICT(name) DO NOTHING`, name, hashPassword(password, s.kdf), string(scope), now, now)
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("add user %q: %w; use `pulse user passwd` to change its password", name, ErrExists)
	}
	return nil
}

// SetPassword changes a user's password and ends the user's sessions.
func (s *Store) SetPassword(ctx context.Context, name, password string) error {
	if err := checkUser(name, password); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE auth_users SET password = ?, updated_at = ? WHERE name = ?`, hashPassword(password, s.kdf), ms(s.Now()), name)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set password: user %q: %w", name, ErrNotFound)
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE subject = ?`, "user:"+name)
	return err
}

// RemoveUser removes a user and ends the user's sessions.
func (s *Store) RemoveUser(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM auth_users WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("remove user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("remove user %q: %w", name, ErrNotFound)
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE subject = ?`, "user:"+name)
	return err
}

// Users lists the local users by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, scope, created_at, updated_at FROM auth_users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var c, up int64
		if err := rows.Scan(&u.Name, &u.Scope, &c, &up); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.CreatedAt, u.UpdatedAt = time.UnixMilli(c).UTC(), time.UnixMilli(up).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// dummyHash is checked against when the user does not exist, so an unknown
// name costs the same time as a wrong password.
var dummyHash = sync.OnceValue(func() string { return hashPassword("pulse-dummy-password", DefaultKDF) })

// VerifyUser checks a user's password.
func (s *Store) VerifyUser(ctx context.Context, name, password string) (Principal, error) {
	var phc, scope string
	err := s.db.QueryRowContext(ctx, `SELECT password, scope FROM auth_users WHERE name = ?`, name).Scan(&phc, &scope)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, _ = checkPassword(password, dummyHash())
		return Principal{}, fmt.Errorf("%w: wrong user name or password", ErrUnauthenticated)
	case err != nil:
		return Principal{}, fmt.Errorf("verify user: %w", err)
	}
	ok, err := checkPassword(password, phc)
	if err != nil {
		return Principal{}, fmt.Errorf("verify user %q: %w", name, err)
	}
	if !ok {
		return Principal{}, fmt.Errorf("%w: wrong user name or password", ErrUnauthenticated)
	}
	return Principal{Kind: KindSession, ID: "user:" + name, Name: name, Scope: Scope(scope)}, nil
}
