package config

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
)

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
	_, timeoutSet := vals["timeout"]
	if pollOK && !timeoutSet {
		// The default timeout adapts to the poll interval it depends on: the
		// smaller of DefaultTimeout and poll_interval.
		c.Timeout = min(DefaultTimeout, c.PollInterval)
		return
	}
	if !pollOK || !timeoutOK || c.Timeout <= c.PollInterval {
		return
	}
	v := vals["timeout"]
	p.add(errorAt(v.rng(), fmt.Sprintf("timeout %s is longer than poll_interval %s", show(v.val, v.secret), durText(vals, "poll_interval", c.PollInterval)),
		"a call must end before the next poll starts: lower timeout or raise poll_interval"))
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
