package alerts

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// Silence mutes notifications of the alerts its matcher selects until it
// ends. Silenced alerts still change state and are kept in history.
type Silence struct {
	ID        string    `json:"id"`
	Matcher   Matcher   `json:"matcher"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	CreatedBy string    `json:"created_by"`
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Matcher selects alerts; empty fields match everything, at least one
// must be set.
type Matcher struct {
	AlertID    string `json:"alert_id,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Source     string `json:"source,omitempty"`
	Resource   string `json:"resource,omitempty"`
	Name       string `json:"name,omitempty"` // glob over the resource name
	Type       string `json:"type,omitempty"`
	Platform   string `json:"platform,omitempty"`
	Connection string `json:"connection,omitempty"`
	Severity   string `json:"severity,omitempty"`
	Label      string `json:"label,omitempty"`
}

// Validate says what is wrong with a silence a user submits.
func (s *Silence) Validate(now time.Time) error {
	m := s.Matcher
	if m == (Matcher{}) {
		return fmt.Errorf("the matcher is empty: set at least one of alert_id, rule, source, resource, name, type, platform, connection, severity, label")
	}
	if m.Name != "" {
		if _, err := path.Match(m.Name, ""); err != nil {
			return fmt.Errorf("matcher name %q is not a valid glob (e.g. \"web-*\")", m.Name)
		}
	}
	if m.Severity != "" && !resource.IsSeverity(resource.Severity(m.Severity)) {
		return fmt.Errorf("matcher severity %q is not info, warning or critical", m.Severity)
	}
	if m.Type != "" && !resource.IsCanonical(resource.Type(m.Type)) {
		return fmt.Errorf("matcher type %q is not a canonical resource type (%v)", m.Type, resource.Types)
	}
	if s.EndsAt.IsZero() {
		return fmt.Errorf("ends_at is required (RFC 3339), or give a duration")
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = now
	}
	if !s.EndsAt.After(s.StartsAt) || !s.EndsAt.After(now) {
		return fmt.Errorf("ends_at %s must be in the future and after starts_at %s", s.EndsAt.Format(time.RFC3339), s.StartsAt.Format(time.RFC3339))
	}
	if s.CreatedBy == "" {
		return fmt.Errorf("created_by is required: say who silences")
	}
	return nil
}

// Matches reports whether the matcher selects a.
func (m *Matcher) Matches(a *Alert) bool {
	if (m.AlertID != "" && m.AlertID != a.ID) || (m.Rule != "" && m.Rule != a.Rule) ||
		(m.Source != "" && m.Source != a.Source) || (m.Resource != "" && m.Resource != a.Resource) ||
		(m.Type != "" && m.Type != a.ResourceType) || (m.Platform != "" && m.Platform != a.Platform) ||
		(m.Connection != "" && m.Connection != a.Connection) || (m.Severity != "" && m.Severity != a.Severity) ||
		(m.Label != "" && !slices.Contains(a.Labels, m.Label)) {
		return false
	}
	if m.Name != "" {
		if ok, _ := path.Match(m.Name, a.ResourceName); !ok {
			return false
		}
	}
	return true
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SetSilences replaces the engine's silences (the database owns them).
func (e *Engine) SetSilences(s []Silence) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.silences = s
}

// Silenced reports whether a is silenced at now.
func (e *Engine) Silenced(a *Alert, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.silencedLocked(a, now)
}

func (e *Engine) silencedLocked(a *Alert, now time.Time) bool {
	for i := range e.silences {
		s := &e.silences[i]
		if !now.Before(s.StartsAt) && now.Before(s.EndsAt) && s.Matcher.Matches(a) {
			return true
		}
	}
	return false
}
