package agentgw

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files of the generated agent listener certificate inside data_dir.
const (
	CertFile = "agent-listener.crt"
	KeyFile  = "agent-listener.key"
)

// LoadOrCreateCert returns the agent listener's certificate: certFile and
// keyFile when given, else a self-signed certificate kept in dataDir
// (generated on first use, reused after).
func LoadOrCreateCert(dataDir, certFile, keyFile string, hosts []string) (tls.Certificate, error) {
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" {
			return tls.Certificate{}, errors.New("agent listener: set both tls_cert and tls_key, or neither for a generated certificate")
		}
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("agent listener certificate: %w", err)
		}
		return c, nil
	}
	cp, kp := filepath.Join(dataDir, CertFile), filepath.Join(dataDir, KeyFile)
	if c, err := tls.LoadX509KeyPair(cp, kp); err == nil {
		return c, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, fmt.Errorf("agent listener certificate in %s: %w", dataDir, err)
	}
	if err := generate(cp, kp, hosts); err != nil {
		return tls.Certificate{}, err
	}
	return tls.LoadX509KeyPair(cp, kp)
}

// ReadCertFingerprint reads the listener certificate (certFile, or the one
// generated in dataDir) and returns its fingerprint.
func ReadCertFingerprint(dataDir, certFile string) (string, error) {
	if certFile == "" {
		certFile = filepath.Join(dataDir, CertFile)
	}
	b, err := os.ReadFile(certFile)
	if err != nil {
		return "", fmt.Errorf("agent listener certificate: %w (it is generated when `pulse serve` first starts with agent_listen set)", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return "", fmt.Errorf("agent listener certificate %s: no PEM certificate", certFile)
	}
	return CertFingerprint(blk.Bytes), nil
}

// CertFingerprint is "SHA256:" and the hex SHA-256 of a DER certificate,
// colon-separated, as agents pin it.
func CertFingerprint(der []byte) string {
	h := sha256.Sum256(der)
	parts := make([]string, len(h))
	for i, b := range h {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return "SHA256:" + strings.Join(parts, ":")
}

func generate(certPath, keyPath string, hosts []string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate agent listener key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "pulse agent listener"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
	}
	for _, h := range hosts {
		if ip := parseIP(h); ip != nil {
			tpl.IPAddresses = append(tpl.IPAddresses, ip)
		} else if h != "" {
			tpl.DNSNames = append(tpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("generate agent listener certificate: %w", err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", keyPath, err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", certPath, err)
	}
	return nil
}

func parseIP(h string) []byte {
	if ip := net.ParseIP(h); ip != nil {
		return ip
	}
	return nil
}
