package sdk

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Connection is one configured connection, validated by the core.
type Connection struct {
	// Name is unique per platform.
	Name string
	// Config holds the plugin-specific attributes as a JSON object.
	Config json.RawMessage
	// TLS are the common TLS settings.
	TLS TLSConfig
	// Timeout bounds each call the core makes; use it for HTTP clients.
	Timeout time.Duration
}

// Decode unmarshals the plugin-specific attributes into v (use json tags
// named like the HCL attributes). Unknown attributes are an error.
func (c Connection) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: connection %q: %v", ErrInvalidConfig, c.Name, err)
	}
	return nil
}

// TLSConfig are the TLS settings every connection has.
type TLSConfig struct {
	// CAPEM is a PEM bundle of trusted CAs.
	CAPEM []byte
	// InsecureSkipVerify disables verification (lab use only).
	InsecureSkipVerify bool
	// Fingerprint pins the server certificate's SHA-256 fingerprint (hex,
	// colons optional). With a pin, the chain is not verified: the pin is
	// the trust, as with self-signed Proxmox certificates.
	Fingerprint string
}

// ClientConfig builds a *tls.Config honouring the CA bundle, the pinned
// fingerprint and insecure mode.
func (t TLSConfig) ClientConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(t.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.CAPEM) {
			return nil, fmt.Errorf("%w: tls ca_file holds no PEM certificate", ErrInvalidConfig)
		}
		cfg.RootCAs = pool
	}
	if t.Fingerprint != "" {
		want, err := ParseFingerprint(t.Fingerprint)
		if err != nil {
			return nil, err
		}
		cfg.InsecureSkipVerify = true // verified below against the pin instead
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("server sent no certificate")
			}
			got := sha256.Sum256(raw[0])
			if !bytes.Equal(got[:], want) {
				return fmt.Errorf("server certificate fingerprint %s does not match the pinned %s",
					FormatFingerprint(got[:]), FormatFingerprint(want))
			}
			return nil
		}
		return cfg, nil
	}
	cfg.InsecureSkipVerify = t.InsecureSkipVerify
	return cfg, nil
}

// ParseFingerprint parses a SHA-256 fingerprint written as hex, with or
// without colons.
func ParseFingerprint(s string) ([]byte, error) {
	h := strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("%w: tls fingerprint %q is not a SHA-256 fingerprint (64 hex digits, colons optional)", ErrInvalidConfig, s)
	}
	return b, nil
}

// FormatFingerprint writes a fingerprint as upper-case hex pairs with colons.
func FormatFingerprint(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = strings.ToUpper(hex.EncodeToString([]byte{x}))
	}
	return strings.Join(parts, ":")
}
