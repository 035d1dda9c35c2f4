package agentwire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func newSigner(t testing.TB) (ssh.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

func TestSignVerifyRoundTrip(t *testing.T) {
	s, _ := newSigner(t)
	other, _ := newSigner(t)
	body := []byte(`{"seq":1}`)
	h, err := SignHeader(s, NamespaceReport, body)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ParseHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := sig.Verify(s.PublicKey(), NamespaceReport, body); err != nil {
		t.Fatalf("verify: %v", err)
	}
	cases := []struct {
		name string
		key  ssh.PublicKey
		ns   string
		body []byte
		want string
	}{
		{"forged body", s.PublicKey(), NamespaceReport, []byte(`{"seq":2}`), "does not verify"},
		{"wrong namespace", s.PublicKey(), NamespaceEnroll, body, "namespace"},
		{"other key", other.PublicKey(), NamespaceReport, body, "another key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := sig.Verify(c.key, c.ns, c.body)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// writeKey writes priv as an OpenSSH private key file (0600) with its .pub.
func writeKey(t *testing.T, dir string, priv ed25519.PrivateKey) string {
	t.Helper()
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "id")
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, _ := ssh.NewPublicKey(priv.Public())
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(pub), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sshKeygen(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed; the SSHSIG interop test needs OpenSSH's ssh-keygen")
	}
	return p
}

// TestInteropSSHKeygenSignsWeVerify: a signature made by `ssh-keygen -Y
// sign` verifies here once turned into the header value, and the
// fingerprint matches `ssh-keygen -lf`.
func TestInteropSSHKeygenSignsWeVerify(t *testing.T) {
	kg := sshKeygen(t)
	dir := t.TempDir()
	s, priv := newSigner(t)
	key := writeKey(t, dir, priv)
	msg := filepath.Join(dir, "body.json")
	body := []byte(`{"fingerprint":"x","seq":7}` + "\n")
	if err := os.WriteFile(msg, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(kg, "-Y", "sign", "-f", key, "-n", NamespaceReport, msg).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
	}
	armored, err := os.ReadFile(msg + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	h, err := HeaderFromArmored(armored)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := ParseHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := sig.Verify(s.PublicKey(), NamespaceReport, body); err != nil {
		t.Fatalf("ssh-keygen's signature does not verify here: %v", err)
	}
	if err := sig.Verify(s.PublicKey(), NamespaceEnroll, body); err == nil {
		t.Fatal("verified in the wrong namespace")
	}
	out, err := exec.Command(kg, "-lf", key+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(out)); len(f) < 2 || f[1] != Fingerprint(s.PublicKey()) {
		t.Fatalf("ssh-keygen -lf = %q, Fingerprint = %q", out, Fingerprint(s.PublicKey()))
	}
	// Our armor of the same blob is byte-for-byte ssh-keygen's file.
	blob, _ := ParseHeaderBlob(h)
	if !bytes.Equal(Armor(blob), armored) {
		t.Fatalf("armor differs:\n%s\nvs ssh-keygen:\n%s", Armor(blob), armored)
	}
}

// TestInteropWeSignSSHKeygenVerifies: our signature, armored, passes
// `ssh-keygen -Y verify` with an allowed-signers file; a forged body fails.
func TestInteropWeSignSSHKeygenVerifies(t *testing.T) {
	kg := sshKeygen(t)
	dir := t.TempDir()
	s, _ := newSigner(t)
	body := []byte(`{"token":"pulse_x","public_key":"ssh-ed25519 AAAA"}`)
	blob, err := Sign(s, NamespaceEnroll, body)
	if err != nil {
		t.Fatal(err)
	}
	sigFile := filepath.Join(dir, "body.sig")
	if err := os.WriteFile(sigFile, Armor(blob), 0o644); err != nil {
		t.Fatal(err)
	}
	allowed := filepath.Join(dir, "allowed_signers")
	line := "agent@pulse " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey()))) + "\n"
	if err := os.WriteFile(allowed, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	verify := func(ns string, msg []byte) error {
		cmd := exec.Command(kg, "-Y", "verify", "-f", allowed, "-I", "agent@pulse", "-n", ns, "-s", sigFile)
		cmd.Stdin = bytes.NewReader(msg)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: out}
		}
		return nil
	}
	if err := verify(NamespaceEnroll, body); err != nil {
		t.Fatalf("ssh-keygen -Y verify refused our signature: %v %s", err, err.(*exec.ExitError).Stderr)
	}
	if err := verify(NamespaceEnroll, append([]byte{}, append(body, ' ')...)); err == nil {
		t.Fatal("ssh-keygen verified a forged body")
	}
	if err := verify(NamespaceReport, body); err == nil {
		t.Fatal("ssh-keygen verified in the wrong namespace")
	}
}

func TestParseHeaderRefusals(t *testing.T) {
	s, _ := newSigner(t)
	good, _ := Sign(s, NamespaceReport, []byte("x"))
	cases := map[string]string{
		"":                   "missing Pulse-Signature",
		"!!!":                "not base64",
		"U1NIU0lH":           "not an SSHSIG blob",
		b64(good[:20]):       "truncated",
		b64(append(good, 0)): "trailing",
	}
	for in, want := range cases {
		_, err := ParseHeader(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHeader(%q) = %v, want %q", in, err, want)
		}
	}
}
