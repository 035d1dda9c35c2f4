package daemon

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/database"
)

// Files of the self-signed API certificate inside data_dir.
const (
	SelfSignedCert = "api-tls.crt"
	SelfSignedKey  = "api-tls.key"
)

// Limits bound what one client of the operator listener may cost: a slow
// or oversized client gets a bounded share and never holds up others.
type Limits struct {
	// MaxHeaderBytes bounds a request's header.
	MaxHeaderBytes int
	// MaxBodyBytes bounds a request's body.
	MaxBodyBytes int64
	// ReadHeaderTimeout bounds the time to send the header (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the time to send the whole request.
	ReadTimeout time.Duration
	// IdleTimeout closes idle keep-alive connections.
	IdleTimeout time.Duration
}

// DefaultLimits are the operator listener's limits.
var DefaultLimits = Limits{
	MaxHeaderBytes:    64 << 10,
	MaxBodyBytes:      1 << 20,
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	IdleTimeout:       2 * time.Minute,
}

// SecureDataDir creates data_dir 0700 (tightening an existing one) and
// makes the files in it 0600: the database holds token hashes and the
// estate's inventory, the TLS key is a secret.
func SecureDataDir(dir string, log hclog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data_dir %s: %w", dir, err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data_dir %s: %w", dir, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("data_dir %s: make it 0700: %w", dir, err)
		}
		log.Warn("data_dir was readable by others; made it 0700", "data_dir", dir, "was", st.Mode().Perm().String())
	}
	return secureFiles(dir)
}

// secureFiles makes every regular file directly in dir 0600.
func secureFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data_dir %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if info.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(filepath.Join(dir, e.Name()), 0o600); err != nil {
				return fmt.Errorf("make %s 0600: %w", e.Name(), err)
			}
		}
	}
	return nil
}

// OpenAuth opens the auth store on data_dir/pulse.db.
func OpenAuth(ctx context.Context, dataDir string) (*auth.Store, *sql.DB, error) {
	db, err := database.Open(filepath.Join(dataDir, DatabaseFile), 4)
	if err != nil {
		return nil, nil, err
	}
	st, err := auth.Open(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return st, db, nil
}

// checkAuthMode enforces auth = "none" only on loopback and warns at every
// start that it is on.
func checkAuthMode(s config.Server, log hclog.Logger) error {
	if s.Security.Auth != config.AuthNone {
		return nil
	}
	if !config.LoopbackOnly(s.Listen) {
		return fmt.Errorf("server auth = \"none\" with listen %q: refused, the API would be open to the network; listen on 127.0.0.1 or use tokens", s.Listen)
	}
	log.Warn("authentication is OFF (server auth = \"none\"): anyone and anything on this machine can read the estate and act on it through the API; use tokens (pulse apitoken create) outside a lab", "listen", s.Listen)
	return nil
}

// listen opens the operator listener, with TLS when configured.
func listen(s config.Server, log hclog.Logger) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s (server.listen): %w", s.Listen, err)
	}
	if !s.Security.TLS() {
		return ln, "http", nil
	}
	cert, err := loadCert(s, log)
	if err != nil {
		_ = ln.Close()
		return nil, "", err
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), "https", nil
}

// CertFile is the certificate the operator listener serves (for clients
// that pin it): tls_cert_file or the generated one.
func CertFile(s config.Server) string {
	if s.Security.TLSCertFile != "" {
		return s.Security.TLSCertFile
	}
	return filepath.Join(s.DataDir, SelfSignedCert)
}

func loadCert(s config.Server, log hclog.Logger) (tls.Certificate, error) {
	if s.Security.TLSCertFile != "" {
		c, err := tls.LoadX509KeyPair(s.Security.TLSCertFile, s.Security.TLSKeyFile)
		if err != nil {
			return c, fmt.Errorf("server tls_cert_file/tls_key_file: %w", err)
		}
		return c, nil
	}
	certPath, keyPath := filepath.Join(s.DataDir, SelfSignedCert), filepath.Join(s.DataDir, SelfSignedKey)
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && c.Leaf != nil && time.Until(c.Leaf.NotAfter) > 30*24*time.Hour {
		return c, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("self-signed API certificate unreadable; generating a new one", "error", err)
	}
	if err := generateSelfSigned(certPath, keyPath, s.Listen); err != nil {
		return tls.Certificate{}, err
	}
	log.Info("generated a self-signed API certificate", "cert", certPath)
	return tls.LoadX509KeyPair(certPath, keyPath)
}

// generateSelfSigned writes a one-year ECDSA P-256 certificate for
// localhost, the loopback addresses, the host name and the listen host.
func generateSelfSigned(certPath, keyPath, listenAddr string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate API key: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "pulse API (self-signed)"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	if host, _, err := net.SplitHostPort(listenAddr); err == nil && host != "" {
		if ip := net.ParseIP(host); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, host)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("create API certificate: %w", err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode API key: %w", err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", keyPath, err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", certPath, err)
	}
	return nil
}

// newHTTPServer builds the operator listener's server with bounded header
// and body sizes and timeouts. There is no WriteTimeout: event streams
// (SSE) stay open.
func newHTTPServer(h http.Handler, lim Limits, log hclog.Logger) *http.Server {
	return &http.Server{
		Handler:           limitBody(h, lim.MaxBodyBytes),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          log.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
}

// limitBody refuses bodies over max: at once when the length is declared,
// otherwise when the handler reads past it.
func limitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			fmt.Fprintf(w, "{\n  \"error\": \"request body of %d bytes is over the limit of %d bytes\"\n}\n", r.ContentLength, max)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}
