package config

import (
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/hcl/v2"
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

	// body is what remains of the block for the plugin; Parse evaluated
	// its attributes into attrs, so env() and file() are read once.
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
