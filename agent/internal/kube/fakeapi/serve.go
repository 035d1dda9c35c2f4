package fakeapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Server is a Cluster served over HTTPS.
type Server struct {
	*Cluster
	// URL is https://host:port.
	URL string
	// CAPEM is the server's self-signed certificate (the kubeconfig's
	// certificate-authority-data).
	CAPEM []byte
	srv   *http.Server
	ln    net.Listener
}

// Serve starts the cluster's API server on addr (127.0.0.1:0 for any port)
// with a fresh self-signed certificate for 127.0.0.1 and localhost.
func Serve(c *Cluster, addr string) (*Server, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "pulse-sim-kubernetes"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kb, _ := x509.MarshalECPrivateKey(key)
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{Cluster: c, URL: "https://" + ln.Addr().String(), CAPEM: certPEM, ln: ln,
		srv: &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}}}
	go func() {
		if err := s.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "fake kubernetes API:", err)
		}
	}()
	return s, nil
}

// Close stops the server and the cluster.
func (s *Server) Close() {
	s.Cluster.Close()
	_ = s.srv.Close()
}

// Kubeconfig is a kubeconfig for the server (context pulse-lab, the
// certificate pinned as the cluster's CA, the bearer token as the user's).
func (s *Server) Kubeconfig() []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: pulse-lab
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: pulse-agent
  user:
    token: %s
contexts:
- name: pulse-lab
  context:
    cluster: pulse-lab
    user: pulse-agent
current-context: pulse-lab
`, s.URL, b64(s.CAPEM), s.token)
}

// WriteKubeconfig writes the kubeconfig to path (mode 0600).
func (s *Server) WriteKubeconfig(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, s.Kubeconfig(), 0o600)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
