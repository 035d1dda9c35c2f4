package fuzzparse

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/internal/config"
)

// fuzzSecret is what env("PULSE_FUZZ_SECRET") returns while fuzzing; no
// diagnostic may ever show it.
const fuzzSecret = "fuzz-s3cret-7c1d"

// FuzzParse feeds arbitrary bytes to the HCL loader. It must never panic,
// every accepted configuration must hold the loader's own invariants, every
// refusal must be diagnostics, and no message may show a secret. Seeds are
// the examples and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	os.Setenv("PULSE_FUZZ_SECRET", fuzzSecret)
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "examples", "*.hcl"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("server {\n  listen = \"127.0.0.1:7655\"\n  auth = \"none\"\n}\n"))
	f.Add([]byte("connection \"proxmox-pve\" \"a\" {\n  token_secret = env(\"PULSE_FUZZ_SECRET\")\n  poll_interval = \"5s\"\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := config.ParseBytes("fuzz.hcl", src)
		if err != nil {
			var ds *config.Diagnostics
			if !errors.As(err, &ds) || len(*ds) == 0 {
				t.Fatalf("refusal is not diagnostics: %T %v", err, err)
			}
			if strings.Contains(err.Error(), fuzzSecret) {
				t.Fatalf("a diagnostic shows the secret: %v", err)
			}
			return
		}
		if cfg.Server.Listen == "" || cfg.Server.DataDir == "" {
			t.Fatalf("accepted without server defaults: %+v", cfg.Server)
		}
		if cfg.Server.Security.Auth == config.AuthNone && !config.LoopbackOnly(cfg.Server.Listen) {
			t.Fatalf("auth none accepted on %q", cfg.Server.Listen)
		}
		seen := map[[2]string]bool{}
		for _, c := range cfg.Connections {
			if c.PollInterval < config.MinPollInterval || c.Timeout <= 0 || c.Timeout > c.PollInterval {
				t.Fatalf("accepted %s with poll_interval %s timeout %s", c, c.PollInterval, c.Timeout)
			}
			k := [2]string{c.Platform, c.Name}
			if seen[k] {
				t.Fatalf("accepted a duplicate %s", c)
			}
			seen[k] = true
			if c.Fingerprint() != c.Fingerprint() {
				t.Fatal("fingerprint not stable")
			}
			if s := c.String() + c.GoString(); strings.Contains(s, fuzzSecret) {
				t.Fatalf("String shows the secret: %s", s)
			}
		}
	})
}
