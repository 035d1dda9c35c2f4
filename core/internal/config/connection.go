package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/pulsehost/pulse/core/platform"
)

// Connection defaults and limits.
const (
	DefaultPollInterval = 30 * time.Second
	DefaultTimeout      = 10 * time.Second
	MinPollInterval     = time.Second
)

// Connection is one connection block after phase one: the core's common
// attributes are decoded and checked; the plugin-specific attributes are
// evaluated and wait for Decode against the plugin's schema.
//
// A connection is identified by its platform and name together: names are
// unique per platform, so "proxmox-pve" "lab" and "proxmox-pbs" "lab" may
// both exist.
type Connection struct {
	// Platform is the governed platform id (first label).
	Platform string
	// Name is the connection's name (second label), unique per platform.
	Name string
	// Enabled is false when the operator switched the connection off.
	Enabled bool
	// PollInterval is the time between collections (at least 1s).
	PollInterval time.Duration
	// Timeout bounds each call to the platform (at most PollInterval).
	Timeout time.Duration
	// TLS are the common TLS settings.
	TLS TLS
	// Range is the block's header, `connection "platform" "name"`.
	Range hcl.Range

	// body is what remains of the block for the plugin.
	body hcl.Body
	// ctx evaluated the block (functions relative to its file).
	ctx *hcl.EvalContext
	// attrs are the plugin-specific attributes, evaluated.
	attrs map[string]value
	// secrets are the secrets read by the Parse that made the connection.
	secrets *secretSet
	// secretCommon marks the common settings ("timeout", "tls.ca_file"...)
	// whose values came from env() or file().
	secretCommon map[string]bool
}

// String names the connection and where it is defined; it never shows a
// value.
func (c Connection) String() string {
	return fmt.Sprintf("connection %q %q (%s)", c.Platform, c.Name, at(c.Range))
}

// GoString is String, so %#v does not print attribute values either.
func (c Connection) GoString() string { return c.String() }

// commonAttrs are the attributes the core owns in every connection block.
var commonAttrs = []string{"enabled", "poll_interval", "timeout"}

var (
	connSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "enabled"}, {Name: "poll_interval"}, {Name: "timeout"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "tls"}},
	}
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
)

// decodeConnection runs phase one on a connection block.
func (p *parser) decodeConnection(b *hcl.Block, dir string, ctx *hcl.EvalContext) {
	if len(b.Labels) != 2 {
		return // HCL reported the missing labels
	}
	c := &Connection{
		Platform: b.Labels[0], Name: b.Labels[1], Enabled: true,
		PollInterval: DefaultPollInterval, Timeout: DefaultTimeout,
		Range: b.DefRange, ctx: ctx, secrets: p.secrets, secretCommon: map[string]bool{},
	}
	p.checkLabels(c, b)
	p.diags = append(p.diags, checkBody(b.Body, bodyRules{
		where: fmt.Sprintf("connection %q %q", c.Platform, c.Name), anyAttr: true, blocks: []string{"tls"},
	})...)
	content, remain, diags := b.Body.PartialContent(connSchema)
	p.diags = append(p.diags, diags...)
	c.body = remain
	p.decodeCommon(c, content.Attributes)
	p.decodeTLS(c, content.Blocks, dir)

	// Blocks were reported by checkBody, and tls blocks (hidden, not gone)
	// are not the plugin's: JustAttributes reports nothing else.
	attrs, _ := remain.JustAttributes()
	c.attrs = make(map[string]value, len(attrs))
	for _, a := range inOrder(attrs) {
		if a.Name == "tls" {
			continue // reported by checkBody: tls is a block
		}
		v, diags := evaluate(a, ctx)
		p.diags = append(p.diags, diags...)
		c.attrs[a.Name] = v
	}
	p.cfg.Connections = append(p.cfg.Connections, c)
}

// checkLabels validates the platform id and the name, and refuses a name
// already used for the same platform.
func (p *parser) checkLabels(c *Connection, b *hcl.Block) {
	if err := platform.ValidateConnectionPlatform(c.Platform); err != nil {
		summary, detail, _ := strings.Cut(err.Error(), "; ")
		if n := platform.Normalize(c.Platform); string(n) != c.Platform && platform.ValidateConnectionPlatform(string(n)) == nil {
			detail = fmt.Sprintf("did you mean %q? %s", n, detail)
		}
		p.diags = append(p.diags, errorAt(b.LabelRanges[0], summary, detail))
	}
	if !nameRE.MatchString(c.Name) {
		p.diags = append(p.diags, errorAt(b.LabelRanges[1], fmt.Sprintf("connection name %q is not valid", c.Name),
			"use 1 to 63 characters: lower-case letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit"+nameHint(c.Name)))
	}
	key := [2]string{c.Platform, c.Name}
	if first, dup := p.names[key]; dup {
		p.diags = append(p.diags, errorAt(b.LabelRanges[1], fmt.Sprintf("connection %q %q is defined twice", c.Platform, c.Name),
			fmt.Sprintf("the first is at %s; names are unique per platform: rename one", at(first))))
		return
	}
	p.names[key] = b.LabelRanges[1]
}

// nameHint suggests a valid name close to an invalid one.
func nameHint(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	s := strings.TrimLeft(b.String(), "._-")
	if len(s) > 63 {
		s = s[:63]
	}
	if !nameRE.MatchString(s) {
		return ""
	}
	return fmt.Sprintf(", e.g. %q", s)
}

// decodeCommon decodes enabled, poll_interval and timeout.
func (p *parser) decodeCommon(c *Connection, attrs hcl.Attributes) {
	vals := map[string]value{}
	for _, a := range inOrder(attrs) {
		v, diags := evaluate(a, c.ctx)
		p.diags = append(p.diags, diags...)
		if v.usable() {
			vals[a.Name] = v
			c.secretCommon[a.Name] = v.secret
		}
	}
	if v, ok := vals["enabled"]; ok {
		b, d := asBool("enabled", v, v.secret)
		p.add(d)
		c.Enabled = b
	}
	pollOK, timeoutOK := true, true
	if v, ok := vals["poll_interval"]; ok {
		d, _, diag := asDuration("poll_interval", v, v.secret)
		switch {
		case diag != nil:
			p.add(diag)
			pollOK = false
		case d < MinPollInterval:
			p.add(errorAt(v.rng(), fmt.Sprintf("poll_interval %s is shorter than the minimum of 1s", show(v.val, v.secret)),
				`poll at most once a second: write "1s" or more, e.g. "30s"`))
			pollOK = false
		default:
			c.PollInterval = d
		}
	}
	if v, ok := vals["timeout"]; ok {
		d, _, diag := asDuration("timeout", v, v.secret)
		switch {
		case diag != nil:
			p.add(diag)
			timeoutOK = false
		case d <= 0:
			p.add(errorAt(v.rng(), fmt.Sprintf("timeout %s must be more than zero", show(v.val, v.secret)),
				`write e.g. "10s"; it may not exceed poll_interval`))
			timeoutOK = false
		default:
			c.Timeout = d
		}
	}
	if !pollOK || !timeoutOK || c.Timeout <= c.PollInterval {
		return
	}
	if v, ok := vals["timeout"]; ok {
		p.add(errorAt(v.rng(), fmt.Sprintf("timeout %s is longer than poll_interval %s", show(v.val, v.secret), durText(vals, "poll_interval", c.PollInterval)),
			"a call must end before the next poll starts: lower timeout or raise poll_interval"))
		return
	}
	v := vals["poll_interval"]
	p.add(errorAt(v.rng(), fmt.Sprintf("poll_interval %s is shorter than the default timeout %q", show(v.val, v.secret), DefaultTimeout),
		fmt.Sprintf("set timeout to at most %s, or raise poll_interval", durText(vals, "poll_interval", c.PollInterval))))
}

// durText renders a duration attribute as written, hidden when secret, or
// the default d when it is not set.
func durText(vals map[string]value, name string, d time.Duration) string {
	if v, ok := vals[name]; ok {
		return show(v.val, v.secret)
	}
	return fmt.Sprintf("%q", d)
}

// add appends a diagnostic when there is one.
func (p *parser) add(d *hcl.Diagnostic) {
	if d != nil {
		p.diags = append(p.diags, d)
	}
}
