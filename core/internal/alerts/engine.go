package alerts

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/resource"
)

// Sample is one metric value of a target.
type Sample struct {
	Name  string
	Value float64
	Time  time.Time
}

// Target is one resource as the engine evaluates it: its identity, what
// rules match on, and its latest samples.
type Target struct {
	ID, Type, Platform, Connection, Name string
	Tags                                 []string
	Attributes                           json.RawMessage
	// Stale holds the resource's alerts as they are (no fire, no resolve).
	Stale       bool
	StaleReason string
	Metrics     []Sample
	// BackupAgeDays is the backup_age_days signal; negative when unknown.
	BackupAgeDays float64
}

// flapRing is how many transition times a binding remembers.
const flapRing = 16

// binding is one rule bound to one target, with its evaluation state.
type binding struct {
	rule        *Rule
	hint, hint2 int // indexes of the metric (or used, total) in Target.Metrics
	prevV       float64
	prevT       time.Time
	rate        float64
	haveRate    bool
	alert       *Alert // nil while the condition does not hold
	// changes is allocated at the first transition: most bindings never
	// change state, and a ring in each would cost the engine ~400 bytes
	// per rule and resource.
	changes *[flapRing]time.Time
	nch     int
}

// targetState is the engine's memory of one target.
type targetState struct {
	shape Target // copy without metrics, to notice changes
	binds []binding
	seen  uint64
	stale bool
}

// Engine evaluates rules and keeps every alert. It is safe for concurrent
// use; Evaluate and Observe are meant to be called from one loop.
type Engine struct {
	mu       sync.Mutex
	settings config.AlertSettings
	rules    []*Rule
	targets  map[string]*targetState
	active   map[string]*Alert // pending and firing alerts, every source
	restored map[string]*Alert // loaded from the database, not yet re-bound
	silences []Silence
	events   []Event
	cycle    uint64
	now      func() time.Time
}

// New builds an engine for compiled rules.
func New(settings config.AlertSettings, rules []*Rule) *Engine {
	if settings.FlapChanges <= 0 {
		settings.FlapChanges = config.DefaultAlertSettings.FlapChanges
	}
	if settings.FlapWindow <= 0 {
		settings.FlapWindow = config.DefaultAlertSettings.FlapWindow
	}
	if settings.StaleAfter <= 0 {
		settings.StaleAfter = config.DefaultAlertSettings.StaleAfter
	}
	return &Engine{settings: settings, rules: rules, targets: map[string]*targetState{},
		active: map[string]*Alert{}, restored: map[string]*Alert{}, now: time.Now}
}

// Rules returns the compiled rules.
func (e *Engine) Rules() []*Rule { return e.rules }

// Restore puts alerts that were active before a restart back in place, so
// a firing alert does not fire (and notify) again.
func (e *Engine) Restore(alerts []Alert) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range alerts {
		a := alerts[i]
		e.active[a.ID] = &a
		if a.Source == SourceRule {
			e.restored[a.ID] = &a
		}
	}
}

// Evaluate runs every bound rule over targets at now and returns the
// transitions. Unchanged alerts cost no allocation.
func (e *Engine) Evaluate(now time.Time, targets []Target) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cycle++
	for i := range targets {
		t := &targets[i]
		ts := e.targets[t.ID]
		if ts == nil || !sameShape(&ts.shape, t) {
			ts = e.bindTarget(ts, t, now)
		}
		ts.seen, ts.stale = e.cycle, t.Stale
		for j := range ts.binds {
			b := &ts.binds[j]
			if t.Stale {
				if b.alert != nil && b.alert.Held == "" {
					b.alert.Held = "stale: " + t.StaleReason
				}
				continue
			}
			if b.alert != nil && b.alert.Held != "" {
				b.alert.Held = ""
			}
			v, ok := e.value(b, t, now)
			e.step(b, t, v, ok, now)
		}
	}
	for id, ts := range e.targets {
		if ts.seen == e.cycle {
			continue
		}
		for j := range ts.binds { // the resource is gone: nothing left to watch
			if a := ts.binds[j].alert; a != nil {
				a.Message = "resource removed: " + a.Message
				e.resolve(a, now)
			}
		}
		delete(e.targets, id)
	}
	// Restored rule alerts no target took back: their resource is gone or
	// their rule changed while the core was down.
	for id, a := range e.restored {
		delete(e.restored, id)
		a.Message = "no longer evaluated (resource or rule gone): " + a.Message
		e.resolve(a, now)
	}
	return e.drain()
}

// bindTarget (re)binds the rules of t.
func (e *Engine) bindTarget(old *targetState, t *Target, now time.Time) *targetState {
	ts := &targetState{shape: Target{ID: t.ID, Type: t.Type, Platform: t.Platform, Connection: t.Connection,
		Name: t.Name, Tags: append([]string(nil), t.Tags...), Attributes: append(json.RawMessage(nil), t.Attributes...)}}
	prev := map[*Rule]*binding{}
	if old != nil {
		for i := range old.binds {
			prev[old.binds[i].rule] = &old.binds[i]
		}
	}
	for _, r := range bind(e.rules, t) {
		if p := prev[r]; p != nil {
			ts.binds = append(ts.binds, *p)
			delete(prev, r)
			continue
		}
		b := binding{rule: r, hint: -1, hint2: -1}
		if a := e.restored[ruleAlertID(r, t.ID)]; a != nil {
			b.alert = a
			delete(e.restored, a.ID)
		}
		ts.binds = append(ts.binds, b)
	}
	for _, p := range prev { // rules that no longer apply
		if p.alert != nil {
			e.resolve(p.alert, now)
		}
	}
	e.targets[t.ID] = ts
	return ts
}

func ruleAlertID(r *Rule, target string) string { return "rule/" + r.Name + "/" + target }

// ratioParts are the used/total pairs the core derives ratios from.
var ratioParts = map[string][2]string{
	"memory_usage_ratio":  {"memory_used_bytes", "memory_total_bytes"},
	"disk_usage_ratio":    {"disk_used_bytes", "disk_total_bytes"},
	"storage_usage_ratio": {"storage_used_bytes", "storage_total_bytes"},
}

// find returns the index of name in ms, trying hint first.
func find(ms []Sample, name string, hint *int) int {
	if h := *hint; h >= 0 && h < len(ms) && ms[h].Name == name {
		return h
	}
	for i := range ms {
		if ms[i].Name == name {
			*hint = i
			return i
		}
	}
	return -1
}

// value computes the rule's value for t: the sample, a derived ratio, a
// counter's rate (resets skipped) or a signal.
func (e *Engine) value(b *binding, t *Target, now time.Time) (float64, bool) {
	r := b.rule
	fresh := func(i int) bool {
		return i >= 0 && (t.Metrics[i].Time.IsZero() || now.Sub(t.Metrics[i].Time) <= e.settings.StaleAfter)
	}
	if r.Metric == "backup_age_days" {
		return t.BackupAgeDays, t.BackupAgeDays >= 0
	}
	i := find(t.Metrics, r.Metric, &b.hint)
	if i < 0 {
		parts, ok := ratioParts[r.Metric]
		if !ok {
			return 0, false
		}
		u, tot := find(t.Metrics, parts[0], &b.hint), find(t.Metrics, parts[1], &b.hint2)
		if !fresh(u) || !fresh(tot) || t.Metrics[tot].Value <= 0 {
			return 0, false
		}
		return t.Metrics[u].Value / t.Metrics[tot].Value, true
	}
	if !fresh(i) {
		return 0, false
	}
	s := t.Metrics[i]
	if !r.rate {
		return s.Value, true
	}
	switch {
	case b.prevT.IsZero():
	case !s.Time.After(b.prevT): // the same sample again: keep the last rate
		return b.rate, b.haveRate
	case s.Value < b.prevV: // a counter reset: no rate this time
		b.haveRate = false
	default:
		b.rate, b.haveRate = (s.Value-b.prevV)/s.Time.Sub(b.prevT).Seconds(), true
	}
	b.prevV, b.prevT = s.Value, s.Time
	return b.rate, b.haveRate
}

// step moves one binding's alert through its lifecycle.
func (e *Engine) step(b *binding, t *Target, v float64, ok bool, now time.Time) {
	r := b.rule
	a := b.alert
	if a == nil {
		if !ok || !r.breached(v) {
			return
		}
		a = &Alert{ID: ruleAlertID(r, t.ID), Source: SourceRule, Rule: r.Name, Resource: t.ID, ResourceName: t.Name,
			ResourceType: t.Type, Platform: t.Platform, Connection: t.Connection, Labels: t.Tags, Metric: r.Metric,
			Value: v, Threshold: r.Trigger, Severity: r.Severity, State: StatePending, Since: now}
		a.Message = ruleMessage(r, t, v)
		b.alert = a
		e.active[a.ID] = a
		e.emit(a, "", "pending", "", now)
		if r.For == 0 {
			e.fire(b, now)
		}
		return
	}
	if ok {
		a.Value = v
	}
	switch a.State {
	case StatePending:
		switch {
		case !ok || !r.breached(v):
			b.alert = nil
			e.resolve(a, now)
		case now.Sub(a.Since) >= time.Duration(r.For):
			a.Message = ruleMessage(r, t, v)
			e.fire(b, now)
		}
	case StateFiring:
		if ok && !r.cleared(v) {
			return
		}
		if a.Flapping && b.nch > 0 && now.Sub(b.changes[(b.nch-1)%flapRing]) < e.settings.FlapWindow {
			return // held while flapping
		}
		b.alert = nil
		b.note(now)
		if ok {
			a.Message = fmt.Sprintf("%s: %s back to %s (clear level %s)", t.Name, r.Metric, format(r.Metric, v), format(r.Metric, r.Clear))
		} else {
			a.Message = fmt.Sprintf("%s: %s no longer reported", t.Name, r.Metric)
		}
		e.resolve(a, now)
	}
}

// note records a state change for flap detection.
func (b *binding) note(now time.Time) {
	if b.changes == nil {
		b.changes = new([flapRing]time.Time)
	}
	b.changes[b.nch%flapRing] = now
	b.nch++
}

// flapping reports whether n changes happened within window before now.
func (b *binding) flapping(now time.Time, n int, window time.Duration) bool {
	if b.nch < n || n > flapRing {
		return false
	}
	return now.Sub(b.changes[(b.nch-n)%flapRing]) <= window
}

func (e *Engine) fire(b *binding, now time.Time) {
	a := b.alert
	b.note(now)
	from := a.State
	a.State = StateFiring
	t := now
	a.FiredAt = &t
	if b.flapping(now, e.settings.FlapChanges, e.settings.FlapWindow) {
		// Held as flapping: one notification says so, and the alert stays
		// firing until it has been quiet for the flap window.
		a.Flapping = true
		e.emit(a, from, "flapping", "", now)
		return
	}
	e.emit(a, from, "firing", "", now)
}

// resolve ends a pending or firing alert.
func (e *Engine) resolve(a *Alert, now time.Time) {
	from := a.State
	a.State = StateResolved
	t := now
	a.ResolvedAt = &t
	a.Held = ""
	delete(e.active, a.ID)
	if from == StatePending {
		e.emit(a, from, "cancelled", "", now)
		return
	}
	e.emit(a, from, "resolved", "", now)
}

// emit records a transition (allocates: transitions are rare).
func (e *Engine) emit(a *Alert, from State, what, by string, now time.Time) {
	a.Silenced = e.silencedLocked(a, now)
	ev := Event{At: now, From: from, To: a.State, What: what, By: by, Alert: *a}
	ev.Alert.Labels = append([]string(nil), a.Labels...)
	ev.ID = a.ID + "#" + what + "@" + strconv.FormatInt(now.UnixNano(), 36)
	e.events = append(e.events, ev)
}

func (e *Engine) drain() []Event {
	if len(e.events) == 0 {
		return nil
	}
	out := e.events
	e.events = nil
	return out
}

func ruleMessage(r *Rule, t *Target, v float64) string {
	dir := "above"
	if r.Below {
		dir = "below"
	}
	what := r.Metric
	if r.rate {
		what += " rate"
	}
	return fmt.Sprintf("%s %s: %s %s is %s %s (rule %s)", t.Type, t.Name, what, format(r.Metric, v), dir, format(r.Metric, r.Trigger), r.Name)
}

// format renders a value in its metric's unit.
func format(metric string, v float64) string {
	switch {
	case strings.HasSuffix(metric, "_ratio"):
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	case strings.HasSuffix(metric, "_celsius"):
		return strconv.FormatFloat(v, 'f', 1, 64) + "°C"
	case strings.HasSuffix(metric, "_days"):
		return strconv.FormatFloat(v, 'f', 1, 64) + " days"
	case strings.HasSuffix(metric, "_bytes_total"):
		return strconv.FormatFloat(v, 'f', 0, 64) + " B/s"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Condition is an alert of a non-rule source as that source currently
// sees it: present means active.
type Condition struct {
	Key        string // unique within the source
	Kind       string
	Resource   string // canonical resource id, if any
	Platform   string
	Connection string
	Severity   string
	Message    string
	Started    time.Time
}

// Observe replaces the active set of one source: new conditions fire,
// missing ones resolve, except those of a stale resource (held).
func (e *Engine) Observe(now time.Time, source string, conds []Condition) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	present := make(map[string]bool, len(conds))
	for _, c := range conds {
		id := source + "/" + c.Key
		present[id] = true
		if !resource.IsSeverity(resource.Severity(c.Severity)) {
			c.Severity = string(resource.SeverityWarning)
		}
		if a := e.active[id]; a != nil {
			a.Held = ""
			if a.Severity != c.Severity || a.Message != c.Message {
				old := a.Severity
				a.Severity, a.Message = c.Severity, c.Message
				if old != c.Severity {
					e.emit(a, a.State, "severity", "", now)
				}
			}
			continue
		}
		since := c.Started
		if since.IsZero() {
			since = now
		}
		a := &Alert{ID: id, Source: source, Kind: c.Kind, Resource: c.Resource, Platform: c.Platform,
			Connection: c.Connection, Severity: c.Severity, State: StateFiring, Message: c.Message, Since: since}
		if ts := e.targets[c.Resource]; ts != nil {
			a.ResourceName, a.ResourceType, a.Labels = ts.shape.Name, ts.shape.Type, ts.shape.Tags
			if a.Platform == "" {
				a.Platform, a.Connection = ts.shape.Platform, ts.shape.Connection
			}
		}
		t := now
		a.FiredAt = &t
		e.active[id] = a
		e.emit(a, "", "firing", "", now)
	}
	prefix := source + "/"
	for id, a := range e.active {
		if present[id] || !strings.HasPrefix(id, prefix) {
			continue
		}
		if e.heldLocked(a) {
			continue
		}
		e.resolve(a, now)
	}
	return e.drain()
}

// heldLocked reports whether a's resource is stale (its alerts hold).
func (e *Engine) heldLocked(a *Alert) bool {
	if a.Resource == "" {
		return false
	}
	ts := e.targets[a.Resource]
	return ts != nil && ts.stale
}

// Active returns the pending and firing alerts, most severe and newest
// first, with their silenced flag current.
func (e *Engine) Active() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	out := make([]Alert, 0, len(e.active))
	for _, a := range e.active {
		a.Silenced = e.silencedLocked(a, now)
		c := *a
		c.Labels = append([]string(nil), a.Labels...)
		out = append(out, c)
	}
	sortAlerts(out)
	return out
}

// Get returns one active alert.
func (e *Engine) Get(id string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.active[id]
	if a == nil {
		return Alert{}, false
	}
	return *a, true
}

var sevRank = map[string]int{"critical": 0, "warning": 1, "info": 2}

func sortAlerts(out []Alert) {
	sort.Slice(out, func(i, j int) bool {
		if sevRank[out[i].Severity] != sevRank[out[j].Severity] {
			return sevRank[out[i].Severity] < sevRank[out[j].Severity]
		}
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.After(out[j].Since)
		}
		return out[i].ID < out[j].ID
	})
}

// ErrNotFound is returned for an alert id that is not active.
var ErrNotFound = fmt.Errorf("no active alert with that id")

// Acknowledge records who acknowledged an active alert, when and why. It
// stops repeat notifications; the alert still resolves when it clears.
func (e *Engine) Acknowledge(id, by, comment string, now time.Time) ([]Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.active[id]
	if a == nil {
		return nil, fmt.Errorf("acknowledge %q: %w (list them with GET /api/v1/alerts or pulse alerts list)", id, ErrNotFound)
	}
	if by == "" {
		return nil, fmt.Errorf("acknowledge %q: say who acknowledges (by)", id)
	}
	a.Ack = &Ack{By: by, At: now, Comment: comment}
	e.emit(a, a.State, "ack", by, now)
	return e.drain(), nil
}

// Unacknowledge removes an acknowledgement: repeats resume.
func (e *Engine) Unacknowledge(id, by string, now time.Time) ([]Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.active[id]
	if a == nil {
		return nil, fmt.Errorf("unacknowledge %q: %w", id, ErrNotFound)
	}
	if a.Ack == nil {
		return nil, fmt.Errorf("unacknowledge %q: the alert is not acknowledged", id)
	}
	a.Ack = nil
	e.emit(a, a.State, "unack", by, now)
	return e.drain(), nil
}

// SetClock replaces the engine's clock (tests; the runner's clock).
func (e *Engine) SetClock(now func() time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = now
}
