package fakepve

import (
	"crypto/tls"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
)

// SelfSigned makes a fresh self-signed certificate for 127.0.0.1 and
// localhost, as a PVE node has before an operator installs a real one.
func SelfSigned() (tls.Certificate, error) { return fakeapi.SelfSigned() }

// CertPEM returns the PEM of a certificate's leaf.
func CertPEM(c tls.Certificate) []byte { return fakeapi.CertPEM(c) }
