package database

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrateIsPerComponentAndIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pulse.db")
	db, err := Open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	a := [][]string{{`CREATE TABLE a1 (x INTEGER)`}, {`CREATE TABLE a2 (x INTEGER)`}}
	b := [][]string{{`CREATE TABLE b1 (x INTEGER)`}}
	for range 2 { // a second run changes nothing
		if err := Migrate(ctx, db, "a", a); err != nil {
			t.Fatal(err)
		}
		if err := Migrate(ctx, db, "b", b); err != nil {
			t.Fatal(err)
		}
	}
	for _, tbl := range []string{"a1", "a2", "b1"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO `+tbl+` VALUES (1)`); err != nil {
			t.Errorf("table %s: %v", tbl, err)
		}
	}
	// An older build (fewer steps) refuses a newer database.
	err = Migrate(ctx, db, "a", a[:1])
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("older build: got %v", err)
	}
	// A failing step rolls back the whole migration.
	bad := append(b, []string{`CREATE TABLE b2 (x INTEGER)`, `NOT SQL`})
	if err := Migrate(ctx, db, "b", bad); err == nil {
		t.Fatal("bad step: no error")
	}
	if _, err := db.ExecContext(ctx, `SELECT * FROM b2`); err == nil {
		t.Fatal("b2 exists after a failed migration")
	}
}

func TestOpenRefusesDSNCharacters(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "x?y.db"), 1); err == nil {
		t.Fatal("no error for '?' in path")
	}
}
