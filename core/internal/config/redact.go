package config

import (
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Redacted returns the connection's settings for display (CLI, API): the
// common ones (enabled, poll_interval, timeout, tls) and the plugin
// attributes the schema names, with "(sensitive)" in place of every
// Sensitive attribute and every value that came from env() or file().
// Attributes the schema does not name, or whose value does not decode, are
// left out: a misspelt secret must not leak either.
func (c *Connection) Redacted(schema sdk.Schema) map[string]any {
	out := map[string]any{
		"enabled":       c.hide("enabled", c.Enabled),
		"poll_interval": c.hide("poll_interval", c.PollInterval.String()),
		"timeout":       c.hide("timeout", c.Timeout.String()),
	}
	tls := map[string]any{}
	if c.TLS.CAFile != "" {
		tls["ca_file"] = c.hide("tls.ca_file", c.TLS.CAFile)
	}
	if c.TLS.InsecureSkipVerify {
		tls["insecure_skip_verify"] = c.hide("tls.insecure_skip_verify", true)
	}
	if c.TLS.Fingerprint != "" {
		tls["fingerprint"] = c.hide("tls.fingerprint", c.TLS.Fingerprint)
	}
	if len(tls) > 0 {
		out["tls"] = tls
	}
	for _, a := range schema {
		v, ok := c.attrs[a.Name]
		if !ok || !v.usable() {
			continue
		}
		if a.Sensitive || v.secret {
			out[a.Name] = sensitive
			continue
		}
		if x, d := decodeValue(a, v); d == nil {
			out[a.Name] = x
		}
	}
	return out
}

// hide returns "(sensitive)" for a common setting that came from env() or
// file(), and x otherwise.
func (c *Connection) hide(key string, x any) any {
	if c.secretCommon[key] {
		return sensitive
	}
	return x
}
