package alerts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/resource"
)

// Rule is a compiled threshold rule.
type Rule struct {
	Name     string       `json:"name"`
	Match    config.Match `json:"match"`
	Metric   string       `json:"metric"`
	Below    bool         `json:"below,omitempty"` // fires under Trigger instead of over it
	Trigger  float64      `json:"trigger"`
	Clear    float64      `json:"clear"`
	For      Duration     `json:"for"`
	Severity string       `json:"severity"`
	Enabled  bool         `json:"enabled"`
	Builtin  bool         `json:"builtin"`
	At       string       `json:"at,omitempty"` // file:line:column of a configured rule

	order int  // definition order (later wins ties)
	rate  bool // a counter: the rule watches its per-second rate
}

// Duration marshals as a Go duration string.
type Duration time.Duration

// MarshalJSON renders "5m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// specificity orders overrides: a rule for one resource beats one for a
// name pattern or label, which beats a connection, a platform, a type and
// the global level.
func (r *Rule) specificity() int {
	m, s := r.Match, 0
	if m.Resource != "" {
		s += 64
	}
	if m.Name != "" {
		s += 32
	}
	if m.Label != "" || len(m.Attributes) > 0 {
		s += 16
	}
	if m.Connection != "" {
		s += 8
	}
	if m.Platform != "" {
		s += 4
	}
	if m.Type != "" {
		s += 2
	}
	if !r.Builtin {
		s++
	}
	return s
}

// breached reports whether v is past the trigger.
func (r *Rule) breached(v float64) bool {
	if r.Below {
		return v < r.Trigger
	}
	return v > r.Trigger
}

// cleared reports whether v is back past the clear level.
func (r *Rule) cleared(v float64) bool {
	if r.Below {
		return v >= r.Clear
	}
	return v <= r.Clear
}

// matches reports whether the rule's match selects t.
func matches(m *config.Match, t *Target) bool {
	switch {
	case m.Type != "" && m.Type != t.Type,
		m.Platform != "" && m.Platform != t.Platform,
		m.Connection != "" && m.Connection != t.Connection,
		m.Resource != "" && m.Resource != t.ID:
		return false
	}
	if m.Name != "" {
		if ok, _ := path.Match(m.Name, t.Name); !ok {
			return false
		}
	}
	if m.Label != "" && !slices.Contains(t.Tags, m.Label) {
		return false
	}
	if len(m.Attributes) > 0 {
		var attrs map[string]any
		if json.Unmarshal(t.Attributes, &attrs) != nil {
			return false
		}
		for k, want := range m.Attributes {
			got, ok := attrs[k]
			if !ok || !strings.EqualFold(fmt.Sprint(got), want) {
				return false
			}
		}
	}
	return true
}

// builtin rule levels: metric, the types it watches, warning and critical
// trigger/clear.
type level struct{ trigger, clear float64 }

type builtinSpec struct {
	name   string
	metric string
	types  []resource.Type
	attrs  map[string]string
	below  bool
	warn   level
	crit   level
}

var (
	computeGuests = []resource.Type{resource.TypeVM, resource.TypeSystemContainer, resource.TypeAgent}
	// builtins are the default rules (Pulse's levels for warning; a higher
	// critical level beside each).
	builtins = []builtinSpec{
		{"cpu", "cpu_usage_ratio", computeGuests, nil, false, level{0.80, 0.75}, level{0.95, 0.90}},
		{"memory", "memory_usage_ratio", computeGuests, nil, false, level{0.85, 0.80}, level{0.95, 0.90}},
		{"disk", "disk_usage_ratio", computeGuests, nil, false, level{0.90, 0.85}, level{0.95, 0.92}},
		{"storage", "storage_usage_ratio", []resource.Type{resource.TypeStorage, resource.TypeCeph}, nil, false, level{0.85, 0.80}, level{0.95, 0.90}},
		{"node-temperature", "temperature_celsius", []resource.Type{resource.TypeAgent}, nil, false, level{80, 75}, level{90, 85}},
		{"disk-temperature-hdd", "temperature_celsius", []resource.Type{resource.TypePhysicalDisk}, map[string]string{"type": "hdd"}, false, level{55, 50}, level{65, 60}},
		{"disk-temperature-ssd", "temperature_celsius", []resource.Type{resource.TypePhysicalDisk}, map[string]string{"type": "ssd"}, false, level{70, 65}, level{80, 75}},
		{"disk-temperature-nvme", "temperature_celsius", []resource.Type{resource.TypePhysicalDisk}, map[string]string{"type": "nvme"}, false, level{75, 70}, level{85, 80}},
		{"disk-life", "disk_life_remaining_ratio", []resource.Type{resource.TypePhysicalDisk}, nil, true, level{0.10, 0.15}, level{0.05, 0.08}},
		{"backup-age", "backup_age_days", []resource.Type{resource.TypeVM, resource.TypeSystemContainer}, nil, false, level{7, 7}, level{14, 14}},
	}
)

// Builtins returns the default rules: per metric and type, a warning and a
// critical level, named "<name>-<type>" and "<name>-<type>-critical".
func Builtins() []*Rule {
	var out []*Rule
	for _, b := range builtins {
		for _, t := range b.types {
			for i, l := range []level{b.warn, b.crit} {
				name, sev := b.name+"-"+string(t), string(resource.SeverityWarning)
				if strings.HasPrefix(b.name, "disk-temperature") {
					name = b.name
				}
				if i == 1 {
					name, sev = name+"-critical", string(resource.SeverityCritical)
				}
				out = append(out, &Rule{Name: name, Match: config.Match{Type: string(t), Attributes: b.attrs},
					Metric: b.metric, Below: b.below, Trigger: l.trigger, Clear: l.clear, Severity: sev,
					Enabled: true, Builtin: true})
			}
		}
	}
	return out
}

// Compile merges the configured rules over the built-ins: a configured
// rule named like a built-in replaces it; the others add overrides. It
// returns the rules in definition order.
func Compile(settings config.AlertSettings, configured []config.AlertRule) []*Rule {
	var rules []*Rule
	if settings.Defaults {
		rules = Builtins()
	}
	for _, c := range configured {
		r := &Rule{Name: c.Name, Match: c.Match, Metric: c.Metric, For: Duration(c.For), Severity: c.Severity,
			Enabled: c.Enabled, At: c.At}
		switch {
		case c.Above != nil:
			r.Trigger = *c.Above
		case c.Below != nil:
			r.Trigger, r.Below = *c.Below, true
		}
		r.Clear = r.Trigger
		if c.Clear != nil {
			r.Clear = *c.Clear
		}
		if i := slices.IndexFunc(rules, func(o *Rule) bool { return o.Name == r.Name }); i >= 0 {
			rules[i] = r
			continue
		}
		rules = append(rules, r)
	}
	for i, r := range rules {
		r.order = i
		if d, ok := resource.LookupMetric(r.Metric); ok && d.Kind == resource.Counter {
			r.rate = true
		}
	}
	return rules
}

// bind selects, for target t, the rules that apply: per (metric,
// severity), the most specific matching rule; a disabled winner switches
// that pair off.
func bind(rules []*Rule, t *Target) []*Rule {
	type key struct{ metric, severity string }
	best := map[key]*Rule{}
	for _, r := range rules {
		if !matches(&r.Match, t) {
			continue
		}
		if d, ok := resource.LookupMetric(r.Metric); ok && !d.AppliesTo(resource.Type(t.Type)) {
			continue
		}
		k := key{r.Metric, r.Severity}
		if o := best[k]; o == nil || r.specificity() > o.specificity() ||
			(r.specificity() == o.specificity() && r.order > o.order) {
			best[k] = r
		}
	}
	var out []*Rule
	for _, r := range rules { // definition order, stable
		if best[key{r.Metric, r.Severity}] == r && r.Enabled {
			out = append(out, r)
		}
	}
	return out
}

// sameShape reports whether t still binds like the copy c was bound from.
func sameShape(c, t *Target) bool {
	return c.Type == t.Type && c.Platform == t.Platform && c.Connection == t.Connection &&
		c.Name == t.Name && slices.Equal(c.Tags, t.Tags) && bytes.Equal(c.Attributes, t.Attributes)
}
