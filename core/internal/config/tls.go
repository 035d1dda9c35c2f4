package config

import (
	"crypto/x509"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// TLS is a connection's tls block.
type TLS struct {
	// CAFile is the CA bundle's path, resolved against the directory of the
	// file that set it.
	CAFile string
	// CAPEM is the content of CAFile: one or more PEM certificates.
	CAPEM []byte
	// InsecureSkipVerify disables certificate verification (labs only).
	InsecureSkipVerify bool
	// Fingerprint pins the server certificate's SHA-256 fingerprint, as
	// written (hex, colons optional).
	Fingerprint string
}

var tlsRules = bodyRules{where: "the tls block", attrs: []string{"ca_file", "insecure_skip_verify", "fingerprint"}}

// decodeTLS decodes a connection's tls blocks (at most one); ca_file
// resolves against dir.
func (p *parser) decodeTLS(c *Connection, blocks hcl.Blocks, dir string) {
	if len(blocks) == 0 {
		return
	}
	for _, b := range blocks[1:] {
		p.add(errorAt(b.DefRange, "a second tls block",
			fmt.Sprintf("the first is at %s; put all tls settings in one tls block", at(blocks[0].DefRange))))
	}
	b := blocks[0]
	p.diags = append(p.diags, checkBody(b.Body, tlsRules)...)
	attrs, _ := b.Body.JustAttributes() // blocks were reported by checkBody
	vals := map[string]value{}
	for _, a := range inOrder(attrs) {
		v, diags := evaluate(a, c.ctx)
		p.diags = append(p.diags, diags...)
		if v.usable() {
			vals[a.Name] = v
			c.secretCommon["tls."+a.Name] = v.secret
		}
	}
	t := &c.TLS
	if v, ok := vals["ca_file"]; ok {
		s, d := asString("ca_file", v, v.secret)
		switch {
		case d != nil:
		case s == "":
			d = errorAt(v.rng(), "tls ca_file is empty", `name a PEM file, e.g. ca_file = "lab-ca.pem", or remove the attribute`)
		default:
			t.CAFile = resolve(dir, s)
			t.CAPEM, d = readCA(t.CAFile, v)
		}
		p.add(d)
	}
	if v, ok := vals["insecure_skip_verify"]; ok {
		b, d := asBool("insecure_skip_verify", v, v.secret)
		p.add(d)
		t.InsecureSkipVerify = b
	}
	if v, ok := vals["fingerprint"]; ok {
		s, d := asString("fingerprint", v, v.secret)
		if d == nil {
			if _, err := sdk.ParseFingerprint(s); err != nil {
				d = errorAt(v.rng(), fmt.Sprintf("tls fingerprint %s is not a SHA-256 fingerprint", show(v.val, v.secret)),
					"write 64 hex digits, colons optional, as printed by: openssl x509 -noout -fingerprint -sha256 -in server.pem")
			}
			t.Fingerprint = s
		}
		p.add(d)
	}
	if !t.InsecureSkipVerify {
		return
	}
	v := vals["insecure_skip_verify"]
	if _, ok := vals["ca_file"]; ok {
		p.add(errorAt(v.rng(), "tls insecure_skip_verify = true conflicts with ca_file",
			"ca_file makes verification work: remove insecure_skip_verify (or remove ca_file, for a lab only)"))
	}
	if _, ok := vals["fingerprint"]; ok {
		p.add(errorAt(v.rng(), "tls insecure_skip_verify = true conflicts with fingerprint",
			"the pinned fingerprint is the trust: remove insecure_skip_verify"))
	}
}

// readCA reads a CA bundle and checks it holds a PEM certificate.
func readCA(full string, v value) ([]byte, *hcl.Diagnostic) {
	b, err := os.ReadFile(full)
	if err != nil {
		where := fmt.Sprintf(" (resolved to %s, relative to the configuration file)", full)
		if v.secret {
			where = ""
		}
		return nil, errorAt(v.rng(), fmt.Sprintf("tls ca_file %s cannot be read", show(v.val, v.secret)),
			fmt.Sprintf("%s%s; check the path and its permissions", reason(err), where))
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return nil, errorAt(v.rng(), fmt.Sprintf("tls ca_file %s holds no PEM certificate", show(v.val, v.secret)),
			`give a file with one or more "-----BEGIN CERTIFICATE-----" blocks`)
	}
	return b, nil
}
