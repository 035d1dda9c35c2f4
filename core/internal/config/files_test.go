package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestParseMultipleFiles reads a directory and the same files named one by
// one: server paths resolve against their file, file() too.
func TestParseMultipleFiles(t *testing.T) {
	t.Setenv("PULSE_TEST_PVE_SECRET", "pve-secret-from-env")
	files := []string{"testdata/multi/10-server.hcl", "testdata/multi/20-proxmox.hcl"}
	for name, args := range map[string][]string{"directory": {"testdata/multi"}, "files": files} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Parse(args...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Files, files) {
				t.Errorf("files %v, want %v", cfg.Files, files)
			}
			want := Server{Listen: "127.0.0.1:9000", DataDir: filepath.Join("testdata", "multi", "state"),
				PluginDir: "/opt/pulse/plugins", LogLevel: "debug", LogFormat: "json"}
			if cfg.Server != want {
				t.Errorf("server %+v, want %+v", cfg.Server, want)
			}
			if len(cfg.Connections) != 2 {
				t.Fatalf("%d connections", len(cfg.Connections))
			}
			pve, pbs := cfg.Connections[0], cfg.Connections[1]
			if pve.Platform != "proxmox-pve" || pbs.Platform != "proxmox-pbs" || pve.Name != "lab" || pbs.Name != "lab" {
				t.Fatalf("connections %v %v", pve, pbs)
			}
			if pbs.Enabled || pbs.PollInterval != time.Minute || pbs.Timeout != 20*time.Second {
				t.Errorf("pbs common attributes %+v", *pbs)
			}
			if got := at(pbs.Range); got != "testdata/multi/20-proxmox.hcl:8:1" {
				t.Errorf("pbs range %s", got)
			}
			for c, want := range map[*Connection]string{
				pve: `{"endpoints":["https://pve1.lab:8006","https://pve2.lab:8006"],"token_id":"pulse@pve!monitor","token_secret":"pve-secret-from-env"}`,
				pbs: `{"endpoints":["https://pbs.lab:8007"],"password":"pbs-secret-from-file","username":"pulse@pbs"}`,
			} {
				raw, err := c.Decode(testSchema)
				if err != nil {
					t.Fatal(err)
				}
				if string(raw) != want {
					t.Errorf("%s decoded %s, want %s", c, raw, want)
				}
			}
		})
	}
}

// TestParseAcrossFiles checks diagnostics that involve several files.
func TestParseAcrossFiles(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		want  []want
	}{
		{"duplicate connection across files", []string{"testdata/dup/a.hcl", "testdata/dup/b.hcl"},
			[]want{{"testdata/dup/b.hcl:3:26", []string{`connection "proxmox-pve" "lab" is defined twice`, "the first is at testdata/dup/a.hcl:1:26"}}}},
		{"syntax error, then the other files still checked", []string{"testdata/syntax.hcl", "testdata/dup/a.hcl", "testdata/dup/b.hcl"},
			[]want{
				{"testdata/syntax.hcl:7:1", []string{"Missing item separator"}},
				{"testdata/dup/b.hcl:3:26", []string{"is defined twice"}},
			}},
		{"two server blocks across files", []string{"testdata/multi/10-server.hcl", "testdata/multi/10-server.hcl"},
			[]want{{"testdata/multi/10-server.hcl:1:1", []string{"a second server block", "the first is at testdata/multi/10-server.hcl:1:1"}}}},
		{"missing file among good ones", []string{"testdata/multi/10-server.hcl", "testdata/does-not-exist"},
			[]want{{"testdata/does-not-exist", []string{"cannot read configuration file", "no such file or directory"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.paths...)
			checkDiags(t, err, tt.want)
		})
	}
}

// TestParseDefaultDataDir checks that the default data directory sits
// beside the first file.
func TestParseDefaultDataDir(t *testing.T) {
	cfg, err := Parse("testdata/dup/a.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("testdata", "dup", "data"); cfg.Server.DataDir != want {
		t.Errorf("data dir %q, want %q", cfg.Server.DataDir, want)
	}
}

// TestRelativeCAFile checks that ca_file resolves against the file's
// directory and reaches the plugin as a working CA pool.
func TestRelativeCAFile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	caPEM := testCA(t)
	writeFile(t, filepath.Join(conf, "certs", "ca.pem"), caPEM)
	writeFile(t, filepath.Join(conf, "certs", "junk.pem"), []byte("not a certificate\n"))
	writeFile(t, filepath.Join(conf, "pulse.hcl"), []byte(`connection "proxmox-pve" "lab" {
  endpoints = ["https://pve.lab:8006"]
  token_id = "i"
  token_secret = "s"
  tls { ca_file = "certs/ca.pem" }
}
`))
	cfg, err := Parse(filepath.Join(conf, "pulse.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connections[0]
	if want := filepath.Join(conf, "certs", "ca.pem"); c.TLS.CAFile != want {
		t.Errorf("ca_file %q, want %q", c.TLS.CAFile, want)
	}
	if !bytes.Equal(c.TLS.CAPEM, caPEM) {
		t.Errorf("CAPEM differs from the file")
	}
	conn, err := c.SDK(testSchema)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := conn.TLS.ClientConfig()
	if err != nil || tc.RootCAs == nil {
		t.Fatalf("client config %v, %v", tc, err)
	}

	writeFile(t, filepath.Join(conf, "bad.hcl"), []byte("connection \"proxmox-pve\" \"lab\" {\n  tls { ca_file = \"certs/junk.pem\" }\n}\n"))
	_, err = Parse(filepath.Join(conf, "bad.hcl"))
	checkDiags(t, err, []want{{filepath.Join(conf, "bad.hcl") + ":2:19", []string{`tls ca_file "certs/junk.pem" holds no PEM certificate`}}})
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// testCA makes a throwaway self-signed CA certificate in PEM.
func testCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pulse test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
