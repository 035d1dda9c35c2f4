package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

const ctJSON = "application/json"

// format renders the request of an item: body, content type, target URL
// and extra headers. Each preset follows its service's documented
// incoming-webhook API.
func (w *Webhook) format(it *Item) ([]byte, string, string, [][2]string, error) {
	title, text := Title(it), Text(it)
	a := it.Event.Alert
	js := func(v any) ([]byte, string, string, [][2]string, error) {
		b, err := json.Marshal(v)
		return b, ctJSON, w.url, nil, err
	}
	switch w.preset {
	case "":
		if w.tmpl != nil {
			var buf bytes.Buffer
			if err := w.tmpl.Execute(&buf, generic(it)); err != nil {
				return nil, "", "", nil, fmt.Errorf("template: %w", err)
			}
			return buf.Bytes(), ctJSON, w.url, nil, nil
		}
		return js(generic(it))
	case "slack": // incoming webhooks: text plus legacy attachments for the color bar
		return js(map[string]any{
			"text": title,
			"attachments": []map[string]any{{
				"color": fmt.Sprintf("#%06X", color(it)), "title": title, "text": text, "fallback": title,
			}},
		})
	case "mattermost": // Slack-compatible incoming webhooks
		return js(map[string]any{"username": "Pulse", "text": title,
			"attachments": []map[string]any{{"color": fmt.Sprintf("#%06X", color(it)), "title": title, "text": text, "fallback": title}}})
	case "discord": // execute webhook: content and embeds
		return js(map[string]any{
			"username": "Pulse",
			"content":  title,
			"embeds": []map[string]any{{
				"title": truncate(title, 256), "description": truncate(text, 4096), "color": color(it),
				"timestamp": it.Event.At.UTC().Format("2006-01-02T15:04:05Z"),
			}},
		})
	case "teams": // Workflows webhook: a message with an Adaptive Card attachment
		return js(map[string]any{
			"type": "message",
			"attachments": []map[string]any{{
				"contentType": "application/vnd.microsoft.card.adaptive",
				"content": map[string]any{
					"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
					"type":    "AdaptiveCard", "version": "1.4",
					"body": []map[string]any{
						{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true},
						{"type": "TextBlock", "text": text, "wrap": true},
					},
				},
			}},
		})
	case "telegram": // Bot API sendMessage (the url carries the bot token)
		return js(map[string]any{"chat_id": w.attrs["chat_id"], "text": title + "\n" + text, "disable_web_page_preview": true})
	case "ntfy": // publish: the body is the message, metadata in headers
		prio := map[string]string{"critical": "urgent", "warning": "high", "info": "default"}[a.Severity]
		if it.Kind == "resolved" {
			prio = "default"
		}
		h := [][2]string{{"Title", title}, {"Priority", prio}, {"Tags", a.Severity}}
		if tok := w.attrs["token"]; tok != "" {
			h = append(h, [2]string{"Authorization", "Bearer " + tok})
		}
		return []byte(text), "text/plain; charset=utf-8", w.url, h, nil
	case "gotify": // POST /message with the application token
		prio := map[string]int{"critical": 8, "warning": 5, "info": 2}[a.Severity]
		if p, err := strconv.Atoi(w.attrs["priority"]); err == nil {
			prio = p
		}
		b, err := json.Marshal(map[string]any{"title": title, "message": text, "priority": prio})
		return b, ctJSON, w.url, [][2]string{{"X-Gotify-Key", w.attrs["token"]}}, err
	case "pushover": // messages.json
		prio := map[string]int{"critical": 1, "warning": 0, "info": -1}[a.Severity]
		if p, err := strconv.Atoi(w.attrs["priority"]); err == nil {
			prio = p
		}
		return js(map[string]any{"token": w.attrs["app_token"], "user": w.attrs["user_key"], "title": truncate(title, 250),
			"message": truncate(text, 1024), "priority": prio, "timestamp": it.Event.At.Unix()})
	case "pagerduty": // Events API v2 enqueue; dedup_key ties trigger and resolve
		action := "trigger"
		switch it.Kind {
		case "resolved":
			action = "resolve"
		case "ack":
			action = "acknowledge"
		}
		sev := map[string]string{"critical": "critical", "warning": "warning", "info": "info"}[a.Severity]
		if sev == "" {
			sev = "warning"
		}
		ev := map[string]any{"routing_key": w.attrs["routing_key"], "event_action": action, "dedup_key": a.ID}
		if action == "trigger" {
			ev["payload"] = map[string]any{
				"summary": truncate(title+": "+a.Message, 1024), "source": firstNonEmpty(a.ResourceName, a.Resource, a.Connection, "pulse"),
				"severity": sev, "timestamp": it.Event.At.UTC().Format("2006-01-02T15:04:05.000Z"),
				"component": a.ResourceType, "group": a.Platform, "class": firstNonEmpty(a.Rule, a.Kind, a.Source),
				"custom_details": generic(it),
			}
		}
		return js(ev)
	}
	return nil, "", "", nil, fmt.Errorf("unknown preset %q", w.preset)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-1], "") + "…"
}
