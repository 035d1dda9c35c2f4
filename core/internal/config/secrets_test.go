package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsNeverInDiagnostics drives every kind of error through values
// from env(), from file() and from literal Sensitive attributes, and checks
// that no secret appears in any diagnostic, in String or in Redacted.
func TestSecretsNeverInDiagnostics(t *testing.T) {
	dir := t.TempDir()
	secrets := map[string]string{
		"env":          "env-s3cret-5x",
		"file":         "file-s3cret-value",
		"literal":      "literal-s3cret-token",
		"literal-pin":  "pin-s3cret-text",
		"literal-list": "list-s3cret-item",
	}
	t.Setenv("PULSE_TEST_SECRET", secrets["env"])
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(secrets["file"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Phase one: every common attribute fed a secret that is invalid there.
	phase1 := `connection "proxmox-pve" "a" {
  enabled       = env("PULSE_TEST_SECRET")
  poll_interval = env("PULSE_TEST_SECRET")
  timeout       = file("secret.txt")
  tls {
    ca_file     = env("PULSE_TEST_SECRET")
    fingerprint = file("secret.txt")
  }
  nested = {a = env("PULSE_TEST_SECRET")}["b"]
  sum    = env("PULSE_TEST_SECRET") + 1
  cond   = env("PULSE_TEST_SECRET") ? 1 : 2
}
server {
  listen    = env("PULSE_TEST_SECRET")
  log_level = file("secret.txt")
}
`
	path := filepath.Join(dir, "p1.hcl")
	if err := os.WriteFile(path, []byte(phase1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Parse(path)
	var ds *Diagnostics
	if !errors.As(err, &ds) || len(*ds) < 10 {
		t.Fatalf("want at least 10 diagnostics, got %v", err)
	}
	assertNoSecret(t, "phase one", err.Error(), secrets)
	t.Logf("phase one:\n%s", err)

	// Phase two: type errors on sensitive attributes and on env() values.
	phase2 := `connection "proxmox-pve" "a" {
  endpoints    = [env("PULSE_TEST_SECRET"), "list-s3cret-item"]
  token_id     = env("PULSE_TEST_SECRET")
  token_secret = ["literal-s3cret-token"]
  pin          = "pin-s3cret-text"
  port         = env("PULSE_TEST_SECRET")
  verbose      = file("secret.txt")
  max_age      = env("PULSE_TEST_SECRET")
  username     = "pulse"
}
`
	path = filepath.Join(dir, "p2.hcl")
	if err := os.WriteFile(path, []byte(phase2), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connections[0]
	schema := testSchema // endpoints is not Sensitive, but one element is from env()
	_, err = c.Decode(schema)
	if !errors.As(err, &ds) || len(*ds) < 5 {
		t.Fatalf("want at least 5 diagnostics, got %v", err)
	}
	assertNoSecret(t, "phase two", err.Error(), secrets)
	t.Logf("phase two:\n%s", err)
	assertNoSecret(t, "String", fmt.Sprintf("%v %+v %#v %s", c, c, c, cfg), secrets)
	assertNoSecret(t, "Redacted", fmt.Sprint(c.Redacted(schema)), secrets)
	if _, err := c.SDK(schema); err == nil {
		t.Fatal("SDK accepted an invalid connection")
	} else {
		assertNoSecret(t, "SDK", err.Error(), secrets)
	}
}

func assertNoSecret(t *testing.T, what, text string, secrets map[string]string) {
	t.Helper()
	for kind, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the %s secret %q:\n%s", what, kind, s, text)
		}
	}
}

// TestSecretsDecodeAndRedact checks that secrets reach the plugin intact and
// are hidden everywhere else.
func TestSecretsDecodeAndRedact(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "env-secret")
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("file-secret\r\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.hcl")
	src := `connection "proxmox-pve" "lab" {
  endpoints = ["https://pve.lab:8006"]
  username  = "user-${env("PULSE_TEST_SECRET")}"
  password  = file("pw")
}
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connections[0]
	raw, err := c.Decode(testSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"endpoints":["https://pve.lab:8006"],"password":"file-secret","username":"user-env-secret"}`
	if string(raw) != want {
		t.Errorf("decoded %s, want %s", raw, want)
	}
	red := c.Redacted(testSchema)
	if red["username"] != sensitive || red["password"] != sensitive {
		t.Errorf("redacted %v", red)
	}
}

// TestScrub checks the last line of defence: a secret that reaches a
// message anyway is replaced.
func TestScrub(t *testing.T) {
	s := &secretSet{}
	s.add("hunter2-secret")
	s.add("ab") // too short to scrub without mangling words
	got := s.scrub(`token "hunter2-secret" is wrong; also "lit-secret"; ab`, "lit-secret")
	want := `token "(sensitive)" is wrong; also "(sensitive)"; ab`
	if got != want {
		t.Errorf("scrub = %q, want %q", got, want)
	}
}
