package config

import (
	"fmt"
	"net"

	"github.com/hashicorp/hcl/v2"
)

// Auth modes of the server block.
const (
	// AuthToken (the default): every API route but /healthz needs a token
	// or a signed-in session.
	AuthToken = "token"
	// AuthNone turns authentication off; accepted only when the API listens
	// on loopback alone.
	AuthNone = "none"
)

// Security is the operator listener's authentication and TLS.
type Security struct {
	// Auth is "token" or "none" (loopback only); empty means "token".
	Auth string
	// MetricsToken, when set, lets a scraper read /metrics (only) with
	// "Authorization: Bearer <metrics_token>". Secret: use env() or file().
	MetricsToken string
	// TLSCertFile and TLSKeyFile serve the API over HTTPS from PEM files.
	TLSCertFile, TLSKeyFile string
	// TLSSelfSigned serves HTTPS with a certificate generated once into
	// data_dir (api-tls.crt, api-tls.key).
	TLSSelfSigned bool
}

// String shows the settings without the metrics token.
func (s Security) String() string {
	mt := "unset"
	if s.MetricsToken != "" {
		mt = "(sensitive)"
	}
	return fmt.Sprintf("{auth:%s metrics_token:%s tls_cert_file:%s tls_key_file:%s tls_self_signed:%v}", s.Auth, mt, s.TLSCertFile, s.TLSKeyFile, s.TLSSelfSigned)
}

// GoString is String, so %#v does not print the token either.
func (s Security) GoString() string { return s.String() }

// TLS reports whether the API listener serves HTTPS.
func (s Security) TLS() bool { return s.TLSSelfSigned || s.TLSCertFile != "" }

var (
	securityAttrs = []string{"auth", "metrics_token", "tls_cert_file", "tls_key_file", "tls_self_signed"}
	authModes     = []string{AuthToken, AuthNone}
)

// decodeSecurity decodes one security attribute of the server block; it
// reports whether name was one.
func (p *parser) decodeSecurity(name string, v value, dir string) bool {
	s := &p.cfg.Server.Security
	switch name {
	case "tls_self_signed":
		b, d := asBool(name, v, v.secret)
		p.add(d)
		s.TLSSelfSigned = b
		return true
	case "auth", "metrics_token", "tls_cert_file", "tls_key_file":
	default:
		return false
	}
	// metrics_token is sensitive however it is written.
	str, d := asString(name, v, v.secret || name == "metrics_token")
	if d != nil {
		p.add(d)
		return true
	}
	switch name {
	case "auth":
		p.add(oneOf(name, str, authModes, v))
		s.Auth = str
	case "metrics_token":
		if len(str) < 16 {
			p.add(errorAt(v.rng(), "metrics_token is shorter than 16 characters",
				`use a long random value, e.g. metrics_token = file("/etc/pulse/metrics.token") holding the output of "openssl rand -hex 32"`))
		}
		if !v.secret {
			p.add(&hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "metrics_token is written in clear in the configuration",
				Detail: `prefer env("PULSE_METRICS_TOKEN") or file("/etc/pulse/metrics.token")`, Subject: v.rng().Ptr()})
		}
		p.secrets.add(str)
		s.MetricsToken = str
	case "tls_cert_file":
		p.add(checkPath(name, str, v))
		s.TLSCertFile = resolve(dir, str)
	case "tls_key_file":
		p.add(checkPath(name, str, v))
		s.TLSKeyFile = resolve(dir, str)
	}
	return true
}

// checkSecurity checks the security attributes against each other and the
// listen address.
func (p *parser) checkSecurity(b *hcl.Block, attrs hcl.Attributes) {
	s := &p.cfg.Server.Security
	listen := p.cfg.Server.Listen
	rng := func(name string) hcl.Range {
		if a, ok := attrs[name]; ok {
			return a.Expr.Range()
		}
		return b.DefRange
	}
	if s.Auth == AuthNone && !LoopbackOnly(listen) {
		p.add(errorAt(rng("auth"), fmt.Sprintf("auth = \"none\" with listen %q, which is reachable from other machines", listen),
			`auth = "none" is accepted only when listen is a loopback address (e.g. "127.0.0.1:7655"); remove auth = "none" and use tokens (pulse apitoken create)`))
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		p.add(errorAt(b.DefRange, "tls_cert_file and tls_key_file go together",
			"set both (PEM certificate chain and its private key), or neither"))
	}
	if s.TLSSelfSigned && s.TLSCertFile != "" {
		p.add(errorAt(rng("tls_self_signed"), "tls_self_signed with tls_cert_file",
			"choose one: your certificate files, or a self-signed certificate generated into data_dir"))
	}
}

// LoopbackOnly reports whether a listen address accepts connections from
// this machine alone: a loopback IP or "localhost", never an empty host.
func LoopbackOnly(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
