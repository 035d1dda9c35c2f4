// Package client talks to the core's agent listener: enrollment and signed
// reports over HTTPS pinned by certificate fingerprint or CA, a durable
// strictly increasing seq, a bounded on-disk spool of full reports and
// capped exponential backoff with jitter.
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
)

// ServerError is a refusal from the core: its status and {"error"} text.
type ServerError struct {
	Status  int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("server refused (%d %s): %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Pin says how the server is trusted: a certificate fingerprint or a CA.
type Pin struct {
	// Fingerprint is "SHA256:" and the certificate's SHA-256 in hex
	// (colons optional).
	Fingerprint string
	// CAFile is a PEM bundle of CAs.
	CAFile string
}

// NormalizeFingerprint returns the canonical "SHA256:AA:BB:..." form.
func NormalizeFingerprint(s string) (string, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "SHA256:"), "sha256:")
	h = strings.ReplaceAll(h, ":", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("server fingerprint %q is not a SHA-256 certificate fingerprint (want SHA256:AB:CD:..., as `pulse agent server-fingerprint` prints)", s)
	}
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return "SHA256:" + strings.Join(parts, ":"), nil
}

// TLSConfig builds the pinned TLS configuration. A pin is required: the
// agent never trusts a server blindly.
func (p Pin) TLSConfig() (*tls.Config, error) {
	switch {
	case p.Fingerprint != "" && p.CAFile != "":
		return nil, errors.New("give either a server fingerprint or a CA file, not both")
	case p.Fingerprint != "":
		want, err := NormalizeFingerprint(p.Fingerprint)
		if err != nil {
			return nil, err
		}
		return &tls.Config{
			MinVersion: tls.VersionTLS12,
			// Verification is the pin below, not the web PKI.
			InsecureSkipVerify: true, //nolint:gosec // pinned in VerifyPeerCertificate
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("server sent no certificate")
				}
				h := sha256.Sum256(raw[0])
				got, _ := NormalizeFingerprint(hex.EncodeToString(h[:]))
				if got != want {
					return fmt.Errorf("server certificate fingerprint %s does not match the pinned %s", got, want)
				}
				return nil
			},
		}, nil
	case p.CAFile != "":
		b, err := os.ReadFile(p.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("ca file %s holds no PEM certificate", p.CAFile)
		}
		return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
	}
	return nil, errors.New("the server must be pinned: give --server-fingerprint SHA256:... (from `pulse agent server-fingerprint`) or --ca-file")
}

// HTTP builds the agent's HTTP client: one pinned connection, reused.
func HTTP(p Pin, timeout time.Duration) (*http.Client, error) {
	tc, err := p.TLSConfig()
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: tc, MaxIdleConns: 2, MaxIdleConnsPerHost: 2, IdleConnTimeout: 5 * time.Minute,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: timeout, ForceAttemptHTTP2: false}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

// Post sends a signed body and decodes a 2xx answer into out.
func Post(ctx context.Context, hc *http.Client, server, path, sig string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(agentwire.HeaderSignature, sig)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var eb agentwire.ErrorBody
		if json.Unmarshal(b, &eb) != nil || eb.Error == "" {
			eb.Error = strings.TrimSpace(string(b))
		}
		return &ServerError{Status: resp.StatusCode, Message: eb.Error}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
}
