package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/pulsehost/pulse/core/platform"
)

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
