package config

import (
	"strings"
	"testing"
)

func TestServerSecurity(t *testing.T) {
	t.Setenv("PULSE_TEST_METRICS_TOKEN", "0123456789abcdef-metrics")
	for _, tc := range []struct {
		name, body string
		errs       []string // substrings of the error; none means valid
		check      func(t *testing.T, s Security)
	}{
		{"defaults", ``, nil, func(t *testing.T, s Security) {
			if s.Auth != "" || s.TLS() || s.MetricsToken != "" {
				t.Fatalf("%+v", s)
			}
		}},
		{"none on loopback", `auth = "none"`, nil, func(t *testing.T, s Security) {
			if s.Auth != AuthNone {
				t.Fatal(s.Auth)
			}
		}},
		{"none on localhost", "listen = \"localhost:7700\"\nauth = \"none\"", nil, nil},
		{"none on ipv6 loopback", "listen = \"[::1]:7700\"\nauth = \"none\"", nil, nil},
		{"none on every interface", "listen = \":7655\"\nauth = \"none\"", []string{`t.hcl:3:8`, `auth = "none" with listen ":7655"`, "loopback"}, nil},
		{"none on a lan address", "listen = \"192.0.2.1:7655\"\nauth = \"none\"", []string{`reachable from other machines`}, nil},
		{"unknown auth", `auth = "basic"`, []string{`auth`, `"basic"`}, nil},
		{"metrics token from env", `metrics_token = env("PULSE_TEST_METRICS_TOKEN")`, nil, func(t *testing.T, s Security) {
			if s.MetricsToken != "0123456789abcdef-metrics" {
				t.Fatal("metrics token not read")
			}
		}},
		{"short metrics token", `metrics_token = "abc123"`, []string{"shorter than 16"}, nil},
		{"cert without key", `tls_cert_file = "/etc/pulse/api.crt"`, []string{"tls_cert_file and tls_key_file go together"}, nil},
		{"cert and key", "tls_cert_file = \"/etc/pulse/api.crt\"\ntls_key_file = \"/etc/pulse/api.key\"", nil, func(t *testing.T, s Security) {
			if !s.TLS() || s.TLSKeyFile != "/etc/pulse/api.key" {
				t.Fatalf("%+v", s)
			}
		}},
		{"self-signed", `tls_self_signed = true`, nil, func(t *testing.T, s Security) {
			if !s.TLS() || !s.TLSSelfSigned {
				t.Fatalf("%+v", s)
			}
		}},
		{"self-signed and files", "tls_self_signed = true\ntls_cert_file = \"a\"\ntls_key_file = \"b\"", []string{"choose one"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseBytes("t.hcl", []byte("server {\n"+tc.body+"\n}\n"))
			if len(tc.errs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if tc.check != nil {
					tc.check(t, cfg.Server.Security)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, e := range tc.errs {
				if !strings.Contains(err.Error(), e) {
					t.Errorf("error %q lacks %q", err, e)
				}
			}
			if strings.Contains(err.Error(), "0123456789abcdef") {
				t.Error("error shows the metrics token")
			}
		})
	}
}

func TestLoopbackOnly(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7655": true, "127.1.2.3:1": true, "[::1]:7655": true, "localhost:7655": true,
		":7655": false, "0.0.0.0:7655": false, "[::]:7655": false, "192.0.2.1:7655": false, "example.com:80": false, "junk": false,
	} {
		if got := LoopbackOnly(addr); got != want {
			t.Errorf("LoopbackOnly(%q) = %v", addr, got)
		}
	}
}
