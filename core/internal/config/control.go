package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Control defaults.
const (
	DefaultControlTimeout = 2 * time.Minute
	MaxControlTimeout     = 30 * time.Minute
)

// Control is the control block: whether the core may run control actions at
// all (off unless enabled), how long one may take, and, per connection, the
// actions the operator allows.
//
//	control {
//	  enabled = true
//	  timeout = "2m"
//	  connection "truenas" "nas" {
//	    actions = ["start", "restart"]
//	  }
//	}
//
// A connection without a connection block here may run every action its
// plugin declares (once control is enabled); one with a block only those it
// lists (an empty list allows none).
type Control struct {
	// Enabled is false unless the operator set enabled = true.
	Enabled bool
	// Timeout bounds one action, including the plugin confirming it.
	Timeout time.Duration
	// Connections narrows connections to named actions, keyed
	// "platform/name".
	Connections map[string]ControlConnection
	// Range is where the control block is; nil when there is none.
	Range *hcl.Range
}

// ControlConnection narrows one connection to named actions.
type ControlConnection struct {
	// Platform and Name identify the connection.
	Platform, Name string
	// Actions are the only actions allowed on it.
	Actions []string
	// Range is the block's header.
	Range hcl.Range
}

// Allows reports whether the operator's configuration lets action run on a
// connection, and when not, why (naming the configuration to change).
func (c Control) Allows(platform, connection, action string) (bool, string) {
	if !c.Enabled {
		where := "add a control { enabled = true } block to the configuration"
		if c.Range != nil {
			where = fmt.Sprintf("set enabled = true in the control block at %s", at(*c.Range))
		}
		return false, "control is disabled in this core's configuration (it is off by default); " + where
	}
	cc, ok := c.Connections[platform+"/"+connection]
	if !ok || slices.Contains(cc.Actions, action) {
		return true, ""
	}
	allowed := "none"
	if len(cc.Actions) > 0 {
		allowed = strings.Join(cc.Actions, ", ")
	}
	return false, fmt.Sprintf("the control block at %s allows only %s on %s/%s, not %q", at(cc.Range), allowed, platform, connection, action)
}

var (
	controlRules     = bodyRules{where: "the control block", attrs: []string{"enabled", "timeout"}, blocks: []string{"connection"}}
	controlConnRules = bodyRules{where: "a control connection block", attrs: []string{"actions"}}
	controlSchema    = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "enabled"}, {Name: "timeout"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "connection", LabelNames: []string{"platform", "name"}}},
	}
	actionRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
)

// decodeControl decodes the control block.
func (p *parser) decodeControl(b *hcl.Block, ctx *hcl.EvalContext) {
	c := &p.cfg.Control
	if c.Range != nil {
		p.add(errorAt(b.DefRange, "a second control block",
			fmt.Sprintf("the first is at %s; put all control settings in one control block", at(*c.Range))))
		return
	}
	c.Range = b.DefRange.Ptr()
	p.diags = append(p.diags, checkBody(b.Body, controlRules)...)
	content, _, diags := b.Body.PartialContent(controlSchema)
	p.diags = append(p.diags, diags...)
	for _, a := range inOrder(content.Attributes) {
		v, diags := evaluate(a, ctx)
		p.diags = append(p.diags, diags...)
		if !v.usable() {
			continue
		}
		switch a.Name {
		case "enabled":
			en, d := asBool("enabled", v, v.secret)
			p.add(d)
			c.Enabled = en
		case "timeout":
			d, _, diag := asDuration("timeout", v, v.secret)
			switch {
			case diag != nil:
				p.add(diag)
			case d <= 0 || d > MaxControlTimeout:
				p.add(errorAt(v.rng(), fmt.Sprintf("control timeout %s is out of range", show(v.val, v.secret)),
					fmt.Sprintf("write a duration above zero and at most %s, e.g. \"2m\"", MaxControlTimeout)))
			default:
				c.Timeout = d
			}
		}
	}
	for _, cb := range content.Blocks {
		p.decodeControlConnection(cb, ctx)
	}
}

func (p *parser) decodeControlConnection(b *hcl.Block, ctx *hcl.EvalContext) {
	if len(b.Labels) != 2 {
		return // HCL reported the missing labels
	}
	c := &p.cfg.Control
	key := b.Labels[0] + "/" + b.Labels[1]
	if prev, ok := c.Connections[key]; ok {
		p.add(errorAt(b.DefRange, fmt.Sprintf("a second control block for connection %s", key),
			fmt.Sprintf("the first is at %s; list every allowed action in one block", at(prev.Range))))
		return
	}
	cc := ControlConnection{Platform: b.Labels[0], Name: b.Labels[1], Range: b.DefRange, Actions: []string{}}
	p.diags = append(p.diags, checkBody(b.Body, controlConnRules)...)
	attrs, _ := b.Body.JustAttributes()
	v, ok := valueOf(attrs, "actions", ctx, p)
	if !ok {
		p.add(errorAt(b.DefRange, fmt.Sprintf("control connection %s has no actions", key),
			`write actions = ["restart"] to allow only those actions, or remove the block to allow every action the plugin declares`))
	} else if v.usable() {
		list, d := asStringList("actions", v, v.secret)
		p.add(d)
		seen := map[string]bool{}
		for _, a := range list {
			switch {
			case !actionRE.MatchString(a):
				p.add(errorAt(v.rng(), fmt.Sprintf("action %q is not an action name", a),
					`action names are lower-case words such as "start", "stop", "restart"`))
			case seen[a]:
				p.add(errorAt(v.rng(), fmt.Sprintf("action %q is listed twice", a), "list each action once"))
			default:
				seen[a] = true
				cc.Actions = append(cc.Actions, a)
			}
		}
	}
	if c.Connections == nil {
		c.Connections = map[string]ControlConnection{}
	}
	c.Connections[key] = cc
}

// valueOf evaluates attribute name when present.
func valueOf(attrs hcl.Attributes, name string, ctx *hcl.EvalContext, p *parser) (value, bool) {
	a, ok := attrs[name]
	if !ok {
		return value{}, false
	}
	v, diags := evaluate(a, ctx)
	p.diags = append(p.diags, diags...)
	return v, true
}

// finishControl applies defaults and checks that every connection the
// control block names is configured.
func (p *parser) finishControl() {
	c := &p.cfg.Control
	if c.Timeout == 0 {
		c.Timeout = DefaultControlTimeout
	}
	var keys []string
	for k := range c.Connections {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cc := c.Connections[k]
		if _, ok := p.names[[2]string{cc.Platform, cc.Name}]; ok {
			continue
		}
		var known []string
		for _, conn := range p.cfg.Connections {
			known = append(known, conn.Platform+"/"+conn.Name)
		}
		valid := "no connection blocks are configured"
		if len(known) > 0 {
			valid = "configured connections: " + strings.Join(known, ", ")
		}
		p.add(errorAt(cc.Range, fmt.Sprintf("control names connection %s, which no connection block defines", k),
			fmt.Sprintf("name a configured connection as connection \"<platform>\" \"<name>\" (%s)", valid)))
	}
}

// String summarises the control settings.
func (c Control) String() string {
	if !c.Enabled {
		return "control disabled"
	}
	return fmt.Sprintf("control enabled (timeout %s, %d connections narrowed)", c.Timeout, len(c.Connections))
}
