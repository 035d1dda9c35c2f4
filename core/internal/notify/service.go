package notify

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/alerts"
	"github.com/pulsehost/pulse/core/internal/config"
)

// Senders builds a sender per enabled notifier block.
func Senders(ns []config.Notifier) (map[string]Sender, error) {
	out := map[string]Sender{}
	for _, n := range ns {
		if n.Attrs["enabled"] == "false" {
			continue
		}
		var s Sender
		var err error
		switch n.Kind {
		case "webhook":
			s, err = NewWebhook(n)
		case "email":
			s, err = NewEmail(n)
		default:
			err = fmt.Errorf("notifier %q: kind %q is not webhook or email", n.Name, n.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.At, err)
		}
		out[n.Name] = s
	}
	return out, nil
}

// Service routes alert events to notifiers through the outbox, and sends
// repeats and escalations for alerts that stay firing unacknowledged.
type Service struct {
	Outbox *Outbox
	routes []config.Route
	log    hclog.Logger
}

// NewService routes with routes; without any route, every notifier gets
// every alert, resolved notifications included, without repeats.
func NewService(o *Outbox, routes []config.Route, log hclog.Logger) *Service {
	if len(routes) == 0 {
		var names []string
		for n := range o.senders {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) > 0 {
			routes = []config.Route{{Name: "default", Notifiers: names, SendResolved: true, Group: true}}
		}
	}
	return &Service{Outbox: o, routes: routes, log: log.Named("notify")}
}

// Notifiers lists the configured notifier names.
func (s *Service) Notifiers() []string {
	var names []string
	for n := range s.Outbox.senders {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// routeMatches reports whether r selects alert a.
func routeMatches(m *config.Match, a *alerts.Alert) bool {
	if (m.Type != "" && m.Type != a.ResourceType) || (m.Platform != "" && m.Platform != a.Platform) ||
		(m.Connection != "" && m.Connection != a.Connection) || (m.Resource != "" && m.Resource != a.Resource) ||
		(m.Label != "" && !slices.Contains(a.Labels, m.Label)) ||
		(len(m.Severity) > 0 && !slices.Contains(m.Severity, a.Severity)) {
		return false
	}
	if m.Name != "" {
		if ok, _ := path.Match(m.Name, a.ResourceName); !ok {
			return false
		}
	}
	return true
}

// kindOf maps a transition to a notification kind ("" = none).
func kindOf(ev *alerts.Event) string {
	switch ev.What {
	case "firing", "flapping":
		return ev.What
	case "severity":
		return "firing"
	case "resolved":
		if ev.From == alerts.StateFiring {
			return "resolved"
		}
	}
	return ""
}

// Items turns transitions into outbox items per matching route. With the
// route's group on (the default), a cycle's transitions of the same kind,
// rule (or source kind) and severity for one notifier become one item.
func (s *Service) Items(events []alerts.Event) []Item {
	var out []Item
	type gkey struct{ channel, kind, what, severity string }
	groups := map[gkey]int{} // index in out
	for i := range events {
		ev := &events[i]
		kind := kindOf(ev)
		if kind == "" || ev.Alert.Silenced {
			continue
		}
		seen := map[string]bool{}
		for ri := range s.routes {
			r := &s.routes[ri]
			if !routeMatches(&r.Match, &ev.Alert) || (kind == "resolved" && !r.SendResolved) {
				continue
			}
			for _, n := range r.Notifiers {
				if seen[n] {
					continue
				}
				seen[n] = true
				k := gkey{n, kind, firstNonEmpty(ev.Alert.Rule, ev.Alert.Kind, ev.Alert.Source), ev.Alert.Severity}
				if g, ok := groups[k]; ok && r.Group && s.groups(n) {
					out[g].Grouped = append(out[g].Grouped, *ev)
					continue
				}
				groups[k] = len(out)
				out = append(out, Item{EventID: ev.ID, Channel: n, Kind: kind, Event: *ev})
			}
		}
	}
	for i := range out {
		if n := len(out[i].Grouped); n > 0 {
			// One id per distinct group: the first event and the count.
			out[i].EventID = out[i].Event.ID + "+" + strconv.Itoa(n)
		}
	}
	return out
}

// groups reports whether a notifier takes grouped notifications
// (PagerDuty's dedup is per alert: it gets one event each).
func (s *Service) groups(name string) bool {
	w, ok := s.Outbox.senders[name].(*Webhook)
	return !ok || w.preset != "pagerduty"
}

// Tick enqueues repeats (firing, unacknowledged, unsilenced alerts whose
// route has a repeat interval) and escalations (unacknowledged after the
// route's escalate_after).
func (s *Service) Tick(ctx context.Context, now time.Time, active []alerts.Alert) error {
	var items []Item
	for i := range active {
		a := &active[i]
		if a.State != alerts.StateFiring || a.Ack != nil || a.Silenced || a.FiredAt == nil {
			continue
		}
		for ri := range s.routes {
			r := &s.routes[ri]
			if !routeMatches(&r.Match, a) {
				continue
			}
			if r.RepeatInterval > 0 {
				for _, n := range r.Notifiers {
					last, err := s.Outbox.LastSent(ctx, a.ID, n)
					if err != nil {
						return err
					}
					if !last.IsZero() && now.Sub(last) >= r.RepeatInterval {
						id := a.ID + "#repeat@" + strconv.FormatInt(now.UnixNano(), 36)
						items = append(items, Item{EventID: id, Channel: n, Kind: "repeat",
							Event: alerts.Event{ID: id, At: now, From: a.State, To: a.State, What: "repeat", Alert: *a}})
					}
				}
			}
			if r.EscalateAfter > 0 && now.Sub(*a.FiredAt) >= r.EscalateAfter {
				id := a.ID + "#escalate@" + strconv.FormatInt(a.FiredAt.UnixNano(), 36)
				for _, n := range r.EscalateTo {
					items = append(items, Item{EventID: id, Channel: n, Kind: "escalation",
						Event: alerts.Event{ID: id, At: now, From: a.State, To: a.State, What: "escalation", Alert: *a}})
				}
			}
		}
	}
	if len(items) == 0 {
		return nil
	}
	_, err := s.Outbox.Enqueue(ctx, items)
	return err
}

// ErrUnknownNotifier is returned for a notifier name not configured.
var ErrUnknownNotifier = fmt.Errorf("no such notifier")

// Test enqueues a test notification for one notifier through the outbox
// (the path live alerts take), delivers it now, and returns its trace.
func (s *Service) Test(ctx context.Context, name string, now time.Time) (Delivery, error) {
	if s.Outbox.senders[name] == nil {
		return Delivery{}, fmt.Errorf("notifier %q: %w; configured: %v", name, ErrUnknownNotifier, s.Notifiers())
	}
	id := "test/" + name + "#test@" + strconv.FormatInt(now.UnixNano(), 36)
	a := alerts.Alert{ID: "test/" + name, Source: "test", Kind: "test", Severity: "info", State: alerts.StateFiring,
		Message: "Test notification from Pulse: if you read this, " + name + " delivers.", Since: now, ResourceName: "pulse"}
	ids, err := s.Outbox.Enqueue(ctx, []Item{{EventID: id, Channel: name, Kind: "test",
		Event: alerts.Event{ID: id, At: now, To: alerts.StateFiring, What: "test", Alert: a}}})
	if err != nil {
		return Delivery{}, err
	}
	if len(ids) != 1 {
		return Delivery{}, fmt.Errorf("test notification was not queued")
	}
	if _, err := s.Outbox.DeliverDue(ctx, ids[0]); err != nil {
		return Delivery{}, err
	}
	// The daemon's worker may have claimed it first: wait for its attempt.
	deadline := time.Now().Add(s.Outbox.senders[name].Timeout() + 2*time.Second)
	for {
		ds, err := s.Outbox.Deliveries(ctx, DeliveryFilter{ID: ids[0]})
		if err != nil || len(ds) != 1 {
			return Delivery{}, fmt.Errorf("read test delivery: %v", err)
		}
		if len(ds[0].Attempts) > 0 || time.Now().After(deadline) {
			return ds[0], nil
		}
		select {
		case <-ctx.Done():
			return ds[0], ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// NotifierInfo describes a notifier without any secret: kind, format and
// where it delivers (scheme and host only for webhooks, whose paths often
// hold tokens).
type NotifierInfo struct {
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	Preset        string   `json:"preset,omitempty"`
	Target        string   `json:"target"`
	To            []string `json:"to,omitempty"`
	Signed        bool     `json:"signed,omitempty"`
	TimeoutS      float64  `json:"timeout_seconds"`
	RatePerMinute int      `json:"rate_limit_per_minute"`
}

// Describe lists the notifiers.
func (s *Service) Describe() []NotifierInfo {
	out := []NotifierInfo{}
	for _, n := range s.Notifiers() {
		snd := s.Outbox.senders[n]
		i := NotifierInfo{Name: n, TimeoutS: snd.Timeout().Seconds(), RatePerMinute: snd.RatePerMinute()}
		switch x := snd.(type) {
		case *Webhook:
			i.Kind, i.Preset, i.Target, i.Signed = "webhook", x.preset, redactURL(x.url), x.secret != ""
			if i.Preset == "" {
				i.Preset = "generic"
			}
		case *Email:
			i.Kind, i.Target, i.To = "email", "smtp://"+x.host+":"+x.port+" ("+x.mode+")", x.to
		}
		out = append(out, i)
	}
	return out
}
