package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAgentListenerSettings(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pulse.hcl")
	if err := os.WriteFile(p, []byte("server {\n  agent_listen = \"0.0.0.0:7656\"\n  tls_cert = \"certs/agent.crt\"\n  tls_key = \"certs/agent.key\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Server
	if s.AgentListen != "0.0.0.0:7656" || s.TLSCert != filepath.Join(dir, "certs/agent.crt") || s.TLSKey != filepath.Join(dir, "certs/agent.key") {
		t.Fatalf("server = %+v", s)
	}
	if err := os.WriteFile(p, []byte("server {\n  agent_listen = \"7656\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Parse(p)
	checkDiags(t, err, []want{{p + ":2:18", []string{"is not a host:port address"}}})
}
