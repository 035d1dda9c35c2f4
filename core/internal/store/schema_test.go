package store

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestOpenRefuses(t *testing.T) {
	newer := filepath.Join(t.TempDir(), "newer.db")
	s := openAt(t, newer)
	s.Close()
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		name, path, want string
	}{
		{"schema from a newer build", newer, "newer than this build"},
		{"path with a query", filepath.Join(t.TempDir(), "x.db?mode=ro"), "may not contain"},
		{"unwritable location", filepath.Join(t.TempDir(), "missing", "dir", "x.db"), "open store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path, hclog.NewNullLogger())
			if err == nil {
				s.Close()
				t.Fatal("open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	s, _ := openTemp(t)
	checks := map[string]string{"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1", "busy_timeout": "5000"}
	for pragma, want := range checks {
		var got string
		if err := s.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(got, want) {
			t.Errorf("%s = %s, want %s", pragma, got, want)
		}
	}
}
