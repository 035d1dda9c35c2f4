package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAPITokenCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, "server {\n  data_dir = \"data\"\n}\n")

	code, secret, errOut := runCLI("apitoken", "create", "--config", cfg, "--scope", "control", "--ttl", "30d", "--label", "ci")
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "pulse_") || !strings.Contains(errOut, "shown once") {
		t.Fatalf("create: %d %q %s", code, secret, errOut)
	}
	code, out, _ := runCLI("apitoken", "list", "--config", cfg, "--format", "json")
	var list struct {
		Tokens []struct {
			ID, Scope, Label string
			ExpiresAt        time.Time `json:"expires_at"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list.Tokens) != 1 {
		t.Fatalf("list: %d %s %v", code, out, err)
	}
	tok := list.Tokens[0]
	if tok.Scope != "control" || tok.Label != "ci" || time.Until(tok.ExpiresAt) < 29*24*time.Hour || !strings.Contains(secret, "_"+tok.ID+"_") {
		t.Fatalf("token = %+v", tok)
	}
	if strings.Contains(out, secret[len("pulse_"+tok.ID+"_"):]) {
		t.Fatal("list shows the secret")
	}
	if code, out, _ := runCLI("apitoken", "list", "--config", cfg); code != 0 || !strings.Contains(out, tok.ID) || !strings.Contains(out, "active") {
		t.Fatalf("table: %s", out)
	}
	if code, _, _ := runCLI("apitoken", "revoke", "--config", cfg, tok.ID); code != 0 {
		t.Fatal("revoke failed")
	}
	if _, out, _ := runCLI("apitoken", "list", "--config", cfg); !strings.Contains(out, "revoked") {
		t.Fatalf("after revoke: %s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"apitoken", "create", "--config", cfg}, "--scope is required"},
		{[]string{"apitoken", "create", "--config", cfg, "--scope", "root"}, "not one of read, control, admin"},
		{[]string{"apitoken", "create", "--config", cfg, "--scope", "read", "--ttl", "soon"}, "--ttl"},
		{[]string{"apitoken", "revoke", "--config", cfg, "nosuch"}, "apitoken list"},
		{[]string{"apitoken", "frob"}, "unknown subcommand"},
	} {
		if code, _, errOut := runCLI(tc.args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %s", tc.args, code, errOut)
		}
	}
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, "server {\n  data_dir = \"data\"\n}\n")
	stdin = strings.NewReader("a sufficiently long one\n")
	defer func() { stdin = nil }()
	if code, _, errOut := runCLI("user", "add", "--config", cfg, "--scope", "admin", "alice"); code != 0 {
		t.Fatalf("add: %s", errOut)
	}
	stdin = strings.NewReader("short\n")
	if code, _, errOut := runCLI("user", "passwd", "--config", cfg, "alice"); code == 0 || !strings.Contains(errOut, "at least 12") {
		t.Fatalf("short password: %d %s", code, errOut)
	}
	if code, out, _ := runCLI("user", "list", "--config", cfg); code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "admin") {
		t.Fatalf("list: %s", out)
	}
	if code, _, _ := runCLI("user", "remove", "--config", cfg, "alice"); code != 0 {
		t.Fatal("remove failed")
	}
	if code, _, errOut := runCLI("user", "remove", "--config", cfg, "alice"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Fatalf("remove twice: %s", errOut)
	}
}
