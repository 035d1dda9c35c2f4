package agentwire

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/ssh"
)

// SSHSIG framing (OpenSSH PROTOCOL.sshsig).
const (
	sigMagic      = "SSHSIG"
	sigVersion    = 1
	armorBegin    = "-----BEGIN SSH SIGNATURE-----"
	armorEnd      = "-----END SSH SIGNATURE-----"
	armorLineSize = 70
)

// Errors of signature parsing and verification. They say what is wrong in
// words an operator can act on.
var (
	ErrNoSignature  = errors.New("missing " + HeaderSignature + " header")
	ErrBadSignature = errors.New("signature does not verify")
)

// Signature is a parsed SSHSIG blob.
type Signature struct {
	// PublicKey is the key the signature claims.
	PublicKey ssh.PublicKey
	// Namespace is the signing namespace.
	Namespace string
	// HashAlgorithm is "sha256" or "sha512".
	HashAlgorithm string
	// Sig is the signature over the SSHSIG signed data.
	Sig *ssh.Signature
}

// Sign signs message in namespace with signer and returns the SSHSIG blob
// (what `ssh-keygen -Y sign` armors), hashing with sha512 as ssh-keygen does.
func Sign(signer ssh.Signer, namespace string, message []byte) ([]byte, error) {
	if namespace == "" {
		return nil, errors.New("sign: empty namespace")
	}
	h := sha512.Sum512(message)
	sig, err := signer.Sign(rand.Reader, signedData(namespace, "sha512", h[:]))
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(sigMagic)
	_ = binary.Write(&b, binary.BigEndian, uint32(sigVersion))
	writeString(&b, signer.PublicKey().Marshal())
	writeString(&b, []byte(namespace))
	writeString(&b, nil) // reserved
	writeString(&b, []byte("sha512"))
	writeString(&b, ssh.Marshal(sig))
	return b.Bytes(), nil
}

// SignHeader signs message and returns the value of the Pulse-Signature
// header: the blob in standard base64 without line breaks.
func SignHeader(signer ssh.Signer, namespace string, message []byte) (string, error) {
	blob, err := Sign(signer, namespace, message)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(blob), nil
}

// Armor returns the blob in the armored form `ssh-keygen -Y sign` writes.
func Armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b bytes.Buffer
	b.WriteString(armorBegin + "\n")
	for len(enc) > armorLineSize {
		b.WriteString(enc[:armorLineSize] + "\n")
		enc = enc[armorLineSize:]
	}
	b.WriteString(enc + "\n" + armorEnd + "\n")
	return b.Bytes()
}

// HeaderFromArmored turns an armored signature (an .sig file written by
// ssh-keygen) into the header value: the base64 lines joined.
func HeaderFromArmored(armored []byte) (string, error) {
	s := strings.TrimSpace(string(armored))
	if !strings.HasPrefix(s, armorBegin) || !strings.HasSuffix(s, armorEnd) {
		return "", errors.New("not an armored SSH signature (want -----BEGIN SSH SIGNATURE----- ... -----END SSH SIGNATURE-----)")
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, armorBegin), armorEnd)
	return strings.Join(strings.Fields(s), ""), nil
}

// ParseHeader decodes a Pulse-Signature header value and parses the SSHSIG
// blob in it.
func ParseHeader(v string) (*Signature, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, ErrNoSignature
	}
	blob, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64 (want the armored signature's lines joined, without BEGIN/END): %w", HeaderSignature, err)
	}
	return ParseSignature(blob)
}

// ParseSignature parses an SSHSIG blob.
func ParseSignature(blob []byte) (*Signature, error) {
	if len(blob) < len(sigMagic)+4 || string(blob[:len(sigMagic)]) != sigMagic {
		return nil, errors.New("signature is not an SSHSIG blob (no SSHSIG preamble)")
	}
	r := blob[len(sigMagic):]
	if v := binary.BigEndian.Uint32(r); v != sigVersion {
		return nil, fmt.Errorf("SSHSIG version %d is not supported (want 1)", v)
	}
	r = r[4:]
	var fields [5][]byte
	for i := range fields {
		var ok bool
		if fields[i], r, ok = readString(r); !ok {
			return nil, errors.New("signature is truncated")
		}
	}
	if len(r) != 0 {
		return nil, errors.New("signature has trailing bytes")
	}
	pub, err := ssh.ParsePublicKey(fields[0])
	if err != nil {
		return nil, fmt.Errorf("signature's public key: %w", err)
	}
	alg := string(fields[3])
	if alg != "sha256" && alg != "sha512" {
		return nil, fmt.Errorf("signature hash algorithm %q is not supported (want sha512 or sha256)", alg)
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(fields[4], sig); err != nil {
		return nil, fmt.Errorf("signature value: %w", err)
	}
	return &Signature{PublicKey: pub, Namespace: string(fields[1]), HashAlgorithm: alg, Sig: sig}, nil
}

// Verify checks that s signs message in namespace with key. The key the
// blob names must be key; the caller decides which key is trusted.
func (s *Signature) Verify(key ssh.PublicKey, namespace string, message []byte) error {
	if s.Namespace != namespace {
		return fmt.Errorf("signature namespace is %q, want %q", s.Namespace, namespace)
	}
	if !bytes.Equal(s.PublicKey.Marshal(), key.Marshal()) {
		return errors.New("signature was made by another key than the agent's")
	}
	var h hash.Hash
	switch s.HashAlgorithm {
	case "sha256":
		h = sha256.New()
	default:
		h = sha512.New()
	}
	h.Write(message)
	if err := key.Verify(signedData(namespace, s.HashAlgorithm, h.Sum(nil)), s.Sig); err != nil {
		return ErrBadSignature
	}
	return nil
}

// Fingerprint returns the key's fingerprint as `ssh-keygen -lf` prints it.
func Fingerprint(key ssh.PublicKey) string { return ssh.FingerprintSHA256(key) }

// signedData is the data an SSHSIG signature covers.
func signedData(namespace, alg string, digest []byte) []byte {
	var b bytes.Buffer
	b.WriteString(sigMagic)
	writeString(&b, []byte(namespace))
	writeString(&b, nil)
	writeString(&b, []byte(alg))
	writeString(&b, digest)
	return b.Bytes()
}

func writeString(b *bytes.Buffer, s []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(s)))
	b.Write(s)
}

func readString(r []byte) (s, rest []byte, ok bool) {
	if len(r) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(r)
	if uint64(n) > uint64(len(r)-4) {
		return nil, nil, false
	}
	return r[4 : 4+n], r[4+n:], true
}

// ParseHeaderBlob decodes a header value to the raw SSHSIG blob.
func ParseHeaderBlob(v string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimSpace(v))
}
