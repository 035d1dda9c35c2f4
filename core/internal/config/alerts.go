package config

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/pulsehost/pulse/core/resource"
)

// Signals are the values a rule may watch besides the metric vocabulary:
// computed by the alerts engine, not reported by plugins.
var Signals = map[string]string{
	"backup_age_days": "days since the resource's newest backup recovery point (since it was first seen when it has none)",
}

// Severities an alert_rule may name.
var Severities = []string{string(resource.SeverityInfo), string(resource.SeverityWarning), string(resource.SeverityCritical)}

// Match selects resources. Empty fields match everything; set fields must
// all match.
type Match struct {
	Type       string            // canonical resource type
	Platform   string            // platform id
	Connection string            // connection name
	Resource   string            // canonical resource id
	Name       string            // glob over the resource name (path.Match syntax)
	Label      string            // a tag the resource carries ("prod" or "env=prod")
	Attributes map[string]string // top-level resource attributes, compared as text
	Severity   []string          // routes only: alert severities
}

// AlertRule is an alert_rule block: a threshold on a metric (or a signal)
// for the resources its match selects.
type AlertRule struct {
	Name     string
	Match    Match
	Metric   string
	Above    *float64 // fires when the value is above (or, with Below, under)
	Below    *float64
	Clear    *float64 // hysteresis: resolves only past this value
	For      time.Duration
	Severity string
	Enabled  bool
	// At is the block's file:line:column.
	At string
}

// Notifier is a notifier "<kind>" "<name>" block.
type Notifier struct {
	Kind, Name string
	// Attrs are the block's attributes by name, as text (lists joined by
	// "\n"); secrets are marked in Secret.
	Attrs  map[string]string
	Lists  map[string][]string
	Secret map[string]bool
	At     string
}

// Route is a route "<name>" block: which alerts go to which notifiers.
type Route struct {
	Name           string
	Match          Match
	Notifiers      []string
	SendResolved   bool
	Group          bool // one notification for a cycle's transitions of the same kind, rule and severity
	RepeatInterval time.Duration
	EscalateAfter  time.Duration
	EscalateTo     []string
	At             string
}

// AlertSettings is the alerts block.
type AlertSettings struct {
	Interval           time.Duration // evaluation interval (default 10s)
	HistoryRetention   time.Duration // default 720h
	ConnectionFailures int           // failed polls before a connection alert (default 3)
	StaleAfter         time.Duration // stale data alert after (default 10m)
	FlapChanges        int           // state changes within FlapWindow that mark flapping (default 5)
	FlapWindow         time.Duration // default 5m
	Defaults           bool          // the built-in rules (default true)
}

// Defaults of the alerts block.
var DefaultAlertSettings = AlertSettings{Interval: 10 * time.Second, HistoryRetention: 30 * 24 * time.Hour,
	ConnectionFailures: 3, StaleAfter: 10 * time.Minute, FlapChanges: 5, FlapWindow: 5 * time.Minute, Defaults: true}

// Filled is s with every unset (zero) duration and count taken from
// DefaultAlertSettings, for settings built in code rather than parsed
// (the parser already applies the defaults). Defaults is left as is.
func (s AlertSettings) Filled() AlertSettings {
	d := DefaultAlertSettings
	if s.Interval <= 0 {
		s.Interval = d.Interval
	}
	if s.HistoryRetention <= 0 {
		s.HistoryRetention = d.HistoryRetention
	}
	if s.ConnectionFailures <= 0 {
		s.ConnectionFailures = d.ConnectionFailures
	}
	if s.StaleAfter <= 0 {
		s.StaleAfter = d.StaleAfter
	}
	if s.FlapChanges <= 0 {
		s.FlapChanges = d.FlapChanges
	}
	if s.FlapWindow <= 0 {
		s.FlapWindow = d.FlapWindow
	}
	return s
}

// Notifier kinds and their attributes.
var notifierAttrs = map[string][]string{
	"webhook": {"url", "preset", "template", "secret", "headers", "token", "chat_id", "routing_key", "user_key", "app_token", "priority", "timeout", "rate_limit_per_minute", "enabled"},
	"email":   {"host", "port", "tls", "ca_file", "username", "password", "from", "to", "timeout", "rate_limit_per_minute", "enabled"},
}

// WebhookPresets are the services a webhook notifier can format for.
var WebhookPresets = []string{"slack", "discord", "teams", "telegram", "mattermost", "ntfy", "gotify", "pushover", "pagerduty"}

var (
	matchRules    = bodyRules{where: "the match block", attrs: []string{"type", "platform", "connection", "resource", "name", "label", "attributes"}}
	routeMatch    = bodyRules{where: "the match block of a route", attrs: []string{"type", "platform", "connection", "resource", "name", "label", "attributes", "severity"}}
	ruleRules     = bodyRules{where: "an alert_rule block", attrs: []string{"metric", "above", "below", "clear", "for", "severity", "enabled"}, blocks: []string{"match"}}
	routeRules    = bodyRules{where: "a route block", attrs: []string{"notifiers", "send_resolved", "group", "repeat_interval", "escalate_after", "escalate_to"}, blocks: []string{"match"}}
	alertsRules   = bodyRules{where: "the alerts block", attrs: []string{"interval", "history_retention", "connection_failures", "stale_after", "flap_changes", "flap_window", "defaults"}}
	blockNameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	matchSchema   = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "match"}}}
	alertSettings = func(p *parser) *AlertSettings { return &p.cfg.Alerts }
)

// position renders a range as file:line:column.
func position(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// attrsOf evaluates a body's attributes (unknown ones reported by checkBody).
func (p *parser) attrsOf(body hcl.Body, ctx *hcl.EvalContext) []value {
	attrs, _ := bodyAttrs(body)
	var out []value
	for _, a := range inOrder(attrs) {
		v, d := evaluate(a, ctx)
		p.diags = append(p.diags, d...)
		if v.usable() {
			out = append(out, v)
		}
	}
	return out
}

// bodyAttrs returns a body's attributes, ignoring its blocks.
func bodyAttrs(body hcl.Body) (hcl.Attributes, hcl.Diagnostics) {
	_, remain, _ := body.PartialContent(matchSchema)
	return remain.JustAttributes()
}

func (p *parser) checkBlockName(b *hcl.Block, what string, i int) bool {
	if len(b.Labels) <= i {
		return false
	}
	if !blockNameRE.MatchString(b.Labels[i]) {
		p.add(errorAt(b.LabelRanges[i], fmt.Sprintf("%s name %q is not valid", what, b.Labels[i]),
			"use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters"))
		return false
	}
	return true
}

// decodeMatch decodes the (single) match block of body.
func (p *parser) decodeMatch(body hcl.Body, ctx *hcl.EvalContext, rules bodyRules, m *Match) {
	content, _, _ := body.PartialContent(matchSchema)
	for i, b := range content.Blocks {
		if i > 0 {
			p.add(errorAt(b.DefRange, "a second match block", "put every condition in one match block; all must hold"))
			continue
		}
		p.diags = append(p.diags, checkBody(b.Body, rules)...)
		attrs, _ := b.Body.JustAttributes()
		for _, a := range inOrder(attrs) {
			v, ds := evaluate(a, ctx)
			p.diags = append(p.diags, ds...)
			if !v.usable() {
				continue
			}
			if a.Name == "attributes" {
				if !v.val.Type().IsObjectType() && !v.val.Type().IsMapType() {
					p.add(errorAt(v.rng(), "attributes must be an object", `write attributes = { type = "ssd" }`))
					continue
				}
				m.Attributes = map[string]string{}
				for k, e := range v.val.AsValueMap() {
					m.Attributes[k] = primitiveText(e)
				}
				continue
			}
			if a.Name == "severity" {
				l, d := asStringList(a.Name, v, v.secret)
				if d != nil {
					if s, d2 := asString(a.Name, v, v.secret); d2 == nil {
						l, d = []string{s}, nil
					}
				}
				p.add(d)
				for _, s := range l {
					p.add(oneOf("severity", s, Severities, v))
				}
				m.Severity = l
				continue
			}
			s, d := asString(a.Name, v, v.secret)
			if d != nil {
				p.add(d)
				continue
			}
			switch a.Name {
			case "type":
				if !resource.IsCanonical(resource.Type(s)) {
					p.add(errorAt(v.rng(), fmt.Sprintf("type %q is not a canonical resource type", s), fmt.Sprintf("write one of: %v", resource.Types)))
				}
				m.Type = s
			case "platform":
				m.Platform = s
			case "connection":
				m.Connection = s
			case "resource":
				m.Resource = s
			case "name":
				if _, err := path.Match(s, ""); err != nil {
					p.add(errorAt(v.rng(), fmt.Sprintf("name pattern %q is not valid", s), `use a glob: * matches any run of characters, ? one, [a-z] a class; e.g. "web-*"`))
				}
				m.Name = s
			case "label":
				m.Label = s
			}
		}
	}
}

// decodeAlertRule decodes an alert_rule "<name>" block.
func (p *parser) decodeAlertRule(b *hcl.Block, ctx *hcl.EvalContext) {
	if !p.checkBlockName(b, "alert_rule", 0) {
		return
	}
	r := AlertRule{Name: b.Labels[0], Enabled: true, Severity: string(resource.SeverityWarning), At: position(b.DefRange)}
	for _, o := range p.cfg.AlertRules {
		if o.Name == r.Name {
			p.add(errorAt(b.LabelRanges[0], fmt.Sprintf("a second alert_rule %q", r.Name), "the first is at "+o.At+"; rule names are unique"))
			return
		}
	}
	p.diags = append(p.diags, checkBody(b.Body, ruleRules)...)
	p.decodeMatch(b.Body, ctx, matchRules, &r.Match)
	var metricV, aboveV, clearV *value
	for _, v := range p.attrsOf(b.Body, ctx) {
		v := v
		switch v.attr.Name {
		case "metric":
			s, d := asString("metric", v, false)
			p.add(d)
			r.Metric, metricV = s, &v
		case "above", "below", "clear":
			s, d := asNumber(v.attr.Name, v, false)
			if d != nil {
				p.add(d)
				continue
			}
			f, _ := strconv.ParseFloat(s, 64)
			switch v.attr.Name {
			case "above":
				r.Above, aboveV = &f, &v
			case "below":
				r.Below, aboveV = &f, &v
			case "clear":
				r.Clear, clearV = &f, &v
			}
		case "for":
			d, _, diag := asDuration("for", v, false)
			p.add(diag)
			r.For = d
		case "severity":
			s, d := asString("severity", v, false)
			if d == nil {
				d = oneOf("severity", s, Severities, v)
			}
			p.add(d)
			r.Severity = s
		case "enabled":
			e, d := asBool("enabled", v, false)
			p.add(d)
			r.Enabled = e
		}
	}
	switch {
	case metricV == nil:
		p.add(errorAt(b.DefRange, fmt.Sprintf("alert_rule %q has no metric", r.Name), `write e.g. metric = "memory_usage_ratio" (a name from the README's metric vocabulary, or backup_age_days)`))
	default:
		p.add(checkRuleMetric(r, *metricV))
	}
	if r.Above != nil && r.Below != nil {
		p.add(errorAt(aboveV.rng(), "above and below are both set", "a rule watches one direction: keep above (fires over it) or below (fires under it)"))
	}
	if r.Enabled && r.Above == nil && r.Below == nil {
		p.add(errorAt(b.DefRange, fmt.Sprintf("alert_rule %q has no threshold", r.Name), "write above = <value> (or below = <value>), or enabled = false to switch the rule off"))
	}
	if r.Clear != nil && clearV != nil {
		switch {
		case r.Above != nil && *r.Clear > *r.Above:
			p.add(errorAt(clearV.rng(), fmt.Sprintf("clear %g is above the trigger %g", *r.Clear, *r.Above),
				"with above, the alert clears once the value falls to clear or below: write a clear at or under above, e.g. 5 points lower"))
		case r.Below != nil && *r.Clear < *r.Below:
			p.add(errorAt(clearV.rng(), fmt.Sprintf("clear %g is below the trigger %g", *r.Clear, *r.Below),
				"with below, the alert clears once the value rises to clear or above: write a clear at or over below"))
		}
	}
	p.cfg.AlertRules = append(p.cfg.AlertRules, r)
}

// checkRuleMetric checks a rule's metric against the vocabulary, the
// signals and the match's type.
func checkRuleMetric(r AlertRule, v value) *hcl.Diagnostic {
	if _, ok := Signals[r.Metric]; ok {
		return nil
	}
	def, ok := resource.LookupMetric(r.Metric)
	if !ok {
		names := make([]string, 0, len(resource.Metrics)+len(Signals))
		for _, d := range resource.Metrics {
			names = append(names, d.Name)
		}
		for s := range Signals {
			names = append(names, s)
		}
		return errorAt(v.rng(), fmt.Sprintf("metric %q is not in the metric vocabulary", r.Metric),
			suggest(r.Metric, names)+"see the README's metric vocabulary; "+validList("metrics", names))
	}
	if r.Match.Type != "" && !def.AppliesTo(resource.Type(r.Match.Type)) {
		return errorAt(v.rng(), fmt.Sprintf("metric %s does not apply to type %s", r.Metric, r.Match.Type),
			fmt.Sprintf("it applies to %v", def.Types))
	}
	return nil
}

// decodeNotifier decodes a notifier "<kind>" "<name>" block.
func (p *parser) decodeNotifier(b *hcl.Block, dir string, ctx *hcl.EvalContext) {
	if len(b.Labels) != 2 {
		return
	}
	kind := b.Labels[0]
	allowed, ok := notifierAttrs[kind]
	if !ok {
		p.add(errorAt(b.LabelRanges[0], fmt.Sprintf("notifier kind %q is not known", kind), `write notifier "webhook" "<name>" or notifier "email" "<name>"`))
		return
	}
	if !p.checkBlockName(b, "notifier", 1) {
		return
	}
	n := Notifier{Kind: kind, Name: b.Labels[1], Attrs: map[string]string{}, Lists: map[string][]string{}, Secret: map[string]bool{}, At: position(b.DefRange)}
	for _, o := range p.cfg.Notifiers {
		if o.Name == n.Name {
			p.add(errorAt(b.LabelRanges[1], fmt.Sprintf("a second notifier named %q", n.Name), "the first is at "+o.At+"; notifier names are unique across kinds"))
			return
		}
	}
	p.diags = append(p.diags, checkBody(b.Body, bodyRules{where: fmt.Sprintf("notifier %q %q", kind, n.Name), attrs: allowed})...)
	attrs, _ := b.Body.JustAttributes()
	for _, a := range inOrder(attrs) {
		if !slices.Contains(allowed, a.Name) {
			continue
		}
		v, ds := evaluate(a, ctx)
		p.diags = append(p.diags, ds...)
		if !v.usable() {
			continue
		}
		n.Secret[a.Name] = v.secret
		switch a.Name {
		case "to":
			l, d := asStringList(a.Name, v, v.secret)
			p.add(d)
			n.Lists[a.Name] = l
		case "headers":
			if !v.val.Type().IsObjectType() && !v.val.Type().IsMapType() {
				p.add(errorAt(v.rng(), "headers must be an object", `write headers = { "X-Team" = "ops" }`))
				continue
			}
			for k, e := range v.val.AsValueMap() {
				n.Lists["headers"] = append(n.Lists["headers"], k+": "+primitiveText(e))
			}
			slices.Sort(n.Lists["headers"])
		case "timeout":
			dur, s, d := asDuration(a.Name, v, v.secret)
			p.add(d)
			if d == nil && dur <= 0 {
				p.add(errorAt(v.rng(), "timeout must be more than zero", `write e.g. timeout = "10s"`))
			}
			n.Attrs[a.Name] = s
		case "port", "rate_limit_per_minute", "priority":
			s, d := asNumber(a.Name, v, v.secret)
			p.add(d)
			n.Attrs[a.Name] = s
		case "enabled":
			e, d := asBool(a.Name, v, v.secret)
			p.add(d)
			n.Attrs[a.Name] = strconv.FormatBool(e)
		default:
			s, d := asString(a.Name, v, v.secret)
			if d != nil {
				p.add(d)
				continue
			}
			switch a.Name {
			case "preset":
				p.add(oneOf("preset", s, WebhookPresets, v))
			case "tls":
				p.add(oneOf("tls", s, []string{"starttls", "tls", "none"}, v))
			case "ca_file":
				s = resolve(dir, s)
			}
			n.Attrs[a.Name] = s
		}
	}
	need := map[string][]string{"webhook": {"url"}, "email": {"host", "from", "to"}}
	for _, k := range need[kind] {
		if _, ok := n.Attrs[k]; !ok && n.Lists[k] == nil {
			p.add(errorAt(b.DefRange, fmt.Sprintf("notifier %q %q has no %s", kind, n.Name, k), fmt.Sprintf("a %s notifier needs %v", kind, need[kind])))
		}
	}
	if kind == "webhook" {
		switch n.Attrs["preset"] {
		case "telegram":
			if n.Attrs["chat_id"] == "" {
				p.add(errorAt(b.DefRange, "the telegram preset needs chat_id", `write chat_id = "-100123..." (the bot token goes in url: https://api.telegram.org/bot<token>/sendMessage)`))
			}
		case "pagerduty":
			if n.Attrs["routing_key"] == "" {
				p.add(errorAt(b.DefRange, "the pagerduty preset needs routing_key", `write routing_key = env("PD_ROUTING_KEY") (the Events API v2 integration key)`))
			}
		case "pushover":
			if n.Attrs["user_key"] == "" || n.Attrs["app_token"] == "" {
				p.add(errorAt(b.DefRange, "the pushover preset needs user_key and app_token", `write user_key = "...", app_token = env("PUSHOVER_TOKEN")`))
			}
		}
	}
	p.cfg.Notifiers = append(p.cfg.Notifiers, n)
}

// decodeRoute decodes a route "<name>" block.
func (p *parser) decodeRoute(b *hcl.Block, ctx *hcl.EvalContext) {
	if !p.checkBlockName(b, "route", 0) {
		return
	}
	r := Route{Name: b.Labels[0], SendResolved: true, Group: true, At: position(b.DefRange)}
	p.diags = append(p.diags, checkBody(b.Body, routeRules)...)
	p.decodeMatch(b.Body, ctx, routeMatch, &r.Match)
	for _, v := range p.attrsOf(b.Body, ctx) {
		switch v.attr.Name {
		case "notifiers", "escalate_to":
			l, d := asStringList(v.attr.Name, v, false)
			p.add(d)
			if v.attr.Name == "notifiers" {
				r.Notifiers = l
			} else {
				r.EscalateTo = l
			}
		case "send_resolved", "group":
			e, d := asBool(v.attr.Name, v, false)
			p.add(d)
			if v.attr.Name == "group" {
				r.Group = e
			} else {
				r.SendResolved = e
			}
		case "repeat_interval", "escalate_after":
			dur, _, d := asDuration(v.attr.Name, v, false)
			p.add(d)
			if v.attr.Name == "repeat_interval" {
				r.RepeatInterval = dur
			} else {
				r.EscalateAfter = dur
			}
		}
	}
	if len(r.Notifiers) == 0 {
		p.add(errorAt(b.DefRange, fmt.Sprintf("route %q names no notifiers", r.Name), `write notifiers = ["<notifier name>"]`))
	}
	p.cfg.Routes = append(p.cfg.Routes, r)
}

// decodeAlerts decodes the alerts block.
func (p *parser) decodeAlerts(b *hcl.Block, ctx *hcl.EvalContext) {
	p.diags = append(p.diags, checkBody(b.Body, alertsRules)...)
	s := alertSettings(p)
	attrs, _ := b.Body.JustAttributes()
	for _, a := range inOrder(attrs) {
		v, ds := evaluate(a, ctx)
		p.diags = append(p.diags, ds...)
		if !v.usable() {
			continue
		}
		switch a.Name {
		case "interval", "history_retention", "stale_after", "flap_window":
			dur, _, d := asDuration(a.Name, v, false)
			if d == nil && dur <= 0 {
				d = errorAt(v.rng(), a.Name+" must be more than zero", `write e.g. "10s"`)
			}
			p.add(d)
			switch a.Name {
			case "interval":
				s.Interval = dur
			case "history_retention":
				s.HistoryRetention = dur
			case "stale_after":
				s.StaleAfter = dur
			case "flap_window":
				s.FlapWindow = dur
			}
		case "connection_failures", "flap_changes":
			n, d := asNumber(a.Name, v, false)
			i, err := strconv.Atoi(n)
			if d == nil && (err != nil || i < 1) {
				d = errorAt(v.rng(), a.Name+" must be a whole number of at least 1", "write e.g. "+a.Name+" = 3")
			}
			p.add(d)
			if a.Name == "connection_failures" {
				s.ConnectionFailures = i
			} else {
				s.FlapChanges = i
			}
		case "defaults":
			e, d := asBool(a.Name, v, false)
			p.add(d)
			s.Defaults = e
		}
	}
}

// checkAlertRefs checks that routes name configured notifiers.
func (p *parser) checkAlertRefs() {
	names := make([]string, 0, len(p.cfg.Notifiers))
	for _, n := range p.cfg.Notifiers {
		names = append(names, n.Name)
	}
	for _, r := range p.cfg.Routes {
		for _, n := range append(slices.Clone(r.Notifiers), r.EscalateTo...) {
			if !slices.Contains(names, n) {
				p.diags = append(p.diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: fmt.Sprintf("route %q names notifier %q, which is not configured", r.Name, n),
					Detail:  fmt.Sprintf("at %s; %s", r.At, validList("notifiers", names))})
			}
		}
	}
}

// String names the notifier without its attribute values (they may hold
// secrets: tokens in URLs, passwords, routing keys).
func (n Notifier) String() string { return fmt.Sprintf("notifier %q %q", n.Kind, n.Name) }

// GoString is String, so %#v does not print attribute values either.
func (n Notifier) GoString() string { return n.String() }

// String summarises a configuration without any attribute value that may
// be secret: the files, the connections (their own String) and how many
// alert rules, notifiers and routes it holds.
func (c Config) String() string {
	return fmt.Sprintf("config{files: %v, server: %+v, connections: %v, alert_rules: %d, notifiers: %v, routes: %d}",
		c.Files, c.Server, c.Connections, len(c.AlertRules), c.Notifiers, len(c.Routes))
}

// GoString is String.
func (c Config) GoString() string { return c.String() }
