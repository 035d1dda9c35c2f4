package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/pulsehost/pulse/core/internal/alerts"
	"github.com/pulsehost/pulse/core/internal/config"
)

// Headers every webhook carries.
const (
	HeaderEventID   = "X-Pulse-Event-ID"
	HeaderSignature = "X-Pulse-Signature" // "sha256=<hex HMAC-SHA256 of the body>" with the notifier's secret
	HeaderTimestamp = "X-Pulse-Timestamp"
)

// Webhook posts to a URL, formatted by its preset.
type Webhook struct {
	name, url, preset string
	secret            string
	tmpl              *template.Template
	headers           [][2]string
	attrs             map[string]string
	timeout           time.Duration
	rate              int
	client            *http.Client
}

func timeoutOf(n config.Notifier) time.Duration {
	if d, err := time.ParseDuration(n.Attrs["timeout"]); err == nil && d > 0 {
		return d
	}
	return 10 * time.Second
}

func rateOf(n config.Notifier) int {
	if s, ok := n.Attrs["rate_limit_per_minute"]; ok {
		r, _ := strconv.Atoi(s)
		return r
	}
	return 30
}

// NewWebhook builds a webhook sender from its block.
func NewWebhook(n config.Notifier) (*Webhook, error) {
	u, err := url.Parse(n.Attrs["url"])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notifier %q: url must be an http(s) URL", n.Name)
	}
	w := &Webhook{name: n.Name, url: n.Attrs["url"], preset: n.Attrs["preset"], secret: n.Attrs["secret"],
		attrs: n.Attrs, timeout: timeoutOf(n), rate: rateOf(n)}
	w.client = &http.Client{Timeout: w.timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if t := n.Attrs["template"]; t != "" {
		if w.preset != "" {
			return nil, fmt.Errorf("notifier %q: template is for the generic format; remove preset or template", n.Name)
		}
		w.tmpl, err = template.New(n.Name).Funcs(template.FuncMap{"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		}}).Parse(t)
		if err != nil {
			return nil, fmt.Errorf("notifier %q: template: %w", n.Name, err)
		}
	}
	for _, h := range n.Lists["headers"] {
		k, v, _ := strings.Cut(h, ": ")
		w.headers = append(w.headers, [2]string{k, v})
	}
	return w, nil
}

// Timeout bounds one delivery.
func (w *Webhook) Timeout() time.Duration { return w.timeout }

// RatePerMinute is the channel's rate limit.
func (w *Webhook) RatePerMinute() int { return w.rate }

// Send posts the item.
func (w *Webhook) Send(ctx context.Context, it *Item) error {
	body, ctype, target, extra, err := w.format(it)
	if err != nil {
		return &PermanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "pulse-notify")
	req.Header.Set(HeaderEventID, it.EventID)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set(HeaderTimestamp, ts)
	if w.secret != "" {
		m := hmac.New(sha256.New, []byte(w.secret))
		m.Write(body)
		req.Header.Set(HeaderSignature, "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	for _, h := range extra {
		req.Header.Set(h[0], h[1])
	}
	for _, h := range w.headers {
		req.Header.Set(h[0], h[1])
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", redactURL(target), stripURL(err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		return fmt.Errorf("post %s: HTTP %d: %s", redactURL(target), resp.StatusCode, strings.TrimSpace(string(msg)))
	default:
		return &PermanentError{fmt.Errorf("post %s: HTTP %d: %s", redactURL(target), resp.StatusCode, strings.TrimSpace(string(msg)))}
	}
}

// redactURL shows scheme and host only: paths and queries often hold
// tokens (Slack, Discord, Telegram).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(url)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// stripURL removes the URL from a client error, which repeats it in full.
func stripURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Generic is the documented generic JSON document.
type Generic struct {
	EventID  string      `json:"event_id"`
	Kind     string      `json:"kind"`
	What     string      `json:"what"`
	At       time.Time   `json:"at"`
	Alert    GenericBody `json:"alert"`
	Resource struct {
		ID         string   `json:"id,omitempty"`
		Name       string   `json:"name,omitempty"`
		Type       string   `json:"type,omitempty"`
		Platform   string   `json:"platform,omitempty"`
		Connection string   `json:"connection,omitempty"`
		Labels     []string `json:"labels,omitempty"`
	} `json:"resource"`
	Severity string `json:"severity"`
	State    string `json:"state"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	// Grouped are the further alerts of a grouped notification.
	Grouped []GenericBody `json:"grouped,omitempty"`
}

// GenericBody is the alert part of the generic document.
type GenericBody struct {
	ID         string     `json:"id"`
	Source     string     `json:"source"`
	Rule       string     `json:"rule,omitempty"`
	Metric     string     `json:"metric,omitempty"`
	Value      float64    `json:"value,omitempty"`
	Threshold  float64    `json:"threshold,omitempty"`
	Message    string     `json:"message"`
	Since      time.Time  `json:"since"`
	FiredAt    *time.Time `json:"fired_at,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Acked      bool       `json:"acknowledged"`
	Flapping   bool       `json:"flapping,omitempty"`
}

// generic builds the generic document of an item.
func generic(it *Item) Generic {
	a := it.Event.Alert
	g := Generic{EventID: it.EventID, Kind: it.Kind, What: it.Event.What, At: it.Event.At, Severity: a.Severity, State: string(a.State),
		Title: Title(it), Text: Text(it)}
	g.Alert = GenericBody{ID: a.ID, Source: a.Source, Rule: a.Rule, Metric: a.Metric, Value: a.Value, Threshold: a.Threshold,
		Message: a.Message, Since: a.Since, FiredAt: a.FiredAt, ResolvedAt: a.ResolvedAt, Acked: a.Ack != nil, Flapping: a.Flapping}
	g.Resource.ID, g.Resource.Name, g.Resource.Type = a.Resource, a.ResourceName, a.ResourceType
	g.Resource.Platform, g.Resource.Connection, g.Resource.Labels = a.Platform, a.Connection, a.Labels
	for _, ev := range it.Grouped {
		x := ev.Alert
		g.Grouped = append(g.Grouped, GenericBody{ID: x.ID, Source: x.Source, Rule: x.Rule, Metric: x.Metric, Value: x.Value,
			Threshold: x.Threshold, Message: x.Message, Since: x.Since, FiredAt: x.FiredAt, ResolvedAt: x.ResolvedAt,
			Acked: x.Ack != nil, Flapping: x.Flapping})
	}
	return g
}

// Title is a one-line summary.
func Title(it *Item) string {
	a := it.Event.Alert
	tag := strings.ToUpper(a.Severity)
	switch it.Kind {
	case "resolved":
		tag = "RESOLVED"
	case "test":
		tag = "TEST"
	case "flapping":
		tag = "FLAPPING " + tag
	case "repeat":
		tag = "STILL " + tag
	case "escalation":
		tag = "ESCALATED " + tag
	}
	name := func(a *alerts.Alert) string { return firstNonEmpty(a.ResourceName, a.Resource, a.Connection) }
	what := name(&a)
	if n := len(it.Grouped); n > 0 {
		names := []string{what}
		for i := 0; i < n && i < 4; i++ {
			names = append(names, name(&it.Grouped[i].Alert))
		}
		what = fmt.Sprintf("%d alerts (%s", n+1, strings.Join(names, ", "))
		if n > 4 {
			what += ", …"
		}
		what += ")"
	}
	return fmt.Sprintf("[%s] %s: %s", tag, firstNonEmpty(a.Rule, a.Kind, a.Source), what)
}

// Text is the plain-text body.
func Text(it *Item) string {
	a := it.Event.Alert
	var b strings.Builder
	b.WriteString(a.Message + "\n")
	fmt.Fprintf(&b, "severity: %s, state: %s, since %s\n", a.Severity, a.State, a.Since.UTC().Format(time.RFC3339))
	if a.Platform != "" {
		fmt.Fprintf(&b, "platform: %s, connection: %s\n", a.Platform, a.Connection)
	}
	if a.Ack != nil {
		fmt.Fprintf(&b, "acknowledged by %s at %s: %s\n", a.Ack.By, a.Ack.At.UTC().Format(time.RFC3339), a.Ack.Comment)
	}
	fmt.Fprintf(&b, "alert: %s, event: %s", a.ID, it.EventID)
	for _, ev := range it.Grouped {
		fmt.Fprintf(&b, "\n%s (alert %s)", ev.Alert.Message, ev.Alert.ID)
	}
	return b.String()
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// color is a severity's color (RGB).
func color(it *Item) int {
	switch {
	case it.Kind == "resolved":
		return 0x2EB886
	case it.Event.Alert.Severity == "critical":
		return 0xD00000
	case it.Event.Alert.Severity == "warning":
		return 0xF2A900
	}
	return 0x439FE0
}
