package config

import (
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	t.Setenv("PULSE_FP_SECRET", "s3cret-one")
	base := "connection \"proxmox-pve\" \"a\" {\n  endpoints = [\"https://a:8006\"]\n  token_secret = env(\"PULSE_FP_SECRET\")\n  poll_interval = \"30s\"\n}\n"
	fp := func(src string) string {
		t.Helper()
		cfg, err := ParseBytes("t.hcl", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Connections[0].Fingerprint()
	}
	a := fp(base)
	if a != fp(base) {
		t.Fatal("same block, different fingerprints")
	}
	if strings.Contains(a, "s3cret") || len(a) != 64 {
		t.Fatalf("fingerprint %q", a)
	}
	// Layout and comments do not matter.
	if a != fp("# hi\n"+strings.ReplaceAll(base, "  ", "    ")) {
		t.Fatal("reformatting changed the fingerprint")
	}
	for name, src := range map[string]string{
		"endpoint": strings.Replace(base, "https://a:8006", "https://b:8006", 1),
		"interval": strings.Replace(base, `"30s"`, `"20s"`, 1),
		"enabled":  strings.Replace(base, "poll_interval", "enabled = false\n  poll_interval", 1),
		"tls":      strings.Replace(base, "poll_interval", "tls { insecure_skip_verify = true }\n  poll_interval", 1),
	} {
		if fp(src) == a {
			t.Errorf("%s change kept the fingerprint", name)
		}
	}
	t.Setenv("PULSE_FP_SECRET", "s3cret-two")
	if fp(base) == a {
		t.Error("a changed secret kept the fingerprint")
	}
}
