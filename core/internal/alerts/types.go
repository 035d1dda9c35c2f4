// Package alerts is the core's alerts engine: it evaluates threshold rules
// on the canonical metrics of every resource (with hysteresis, `for`
// durations, counter rates and flap detection), takes in the other alert
// sources (platform alerts from plugins, connection and plugin health,
// stale data, recovery posture), and keeps every alert on one lifecycle,
// pending → firing → resolved, with acknowledgement, silences and a history
// table in the core's SQLite database that survives restarts.
//
// The engine does not send anything: each cycle returns the transitions,
// which the daemon hands to the notify package.
package alerts

import (
	"time"
)

// State is where an alert is in its lifecycle.
type State string

// Lifecycle states.
const (
	StatePending  State = "pending"  // the condition holds, its `for` has not elapsed
	StateFiring   State = "firing"   // the condition held for its `for`
	StateResolved State = "resolved" // the condition cleared (past the clear level)
)

// Sources of alerts.
const (
	SourceRule       = "rule"       // a threshold rule on a metric or signal
	SourcePlatform   = "platform"   // raised by the platform (a plugin alert)
	SourceConnection = "connection" // a connection failing its polls
	SourcePlugin     = "plugin"     // a plugin crash-looping or refused
	SourceStale      = "stale"      // a source's data going stale
	SourceBackup     = "backup"     // recovery posture: the last backup failed
	SourceAgent      = "agent"      // an enrolled agent gone silent (hook)
)

// Ack is an acknowledgement: it stops repeat notifications, not resolution.
type Ack struct {
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
}

// Alert is one alert of any source.
type Alert struct {
	ID           string     `json:"id"`
	Source       string     `json:"source"`
	Rule         string     `json:"rule,omitempty"`
	Kind         string     `json:"kind,omitempty"`
	Resource     string     `json:"resource,omitempty"`
	ResourceName string     `json:"resource_name,omitempty"`
	ResourceType string     `json:"resource_type,omitempty"`
	Platform     string     `json:"platform,omitempty"`
	Connection   string     `json:"connection,omitempty"`
	Labels       []string   `json:"labels,omitempty"`
	Metric       string     `json:"metric,omitempty"`
	Value        float64    `json:"value,omitempty"`
	Threshold    float64    `json:"threshold,omitempty"`
	Severity     string     `json:"severity"`
	State        State      `json:"state"`
	Message      string     `json:"message"`
	Since        time.Time  `json:"since"`
	FiredAt      *time.Time `json:"fired_at,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	Flapping     bool       `json:"flapping,omitempty"`
	Ack          *Ack       `json:"ack,omitempty"`
	Silenced     bool       `json:"silenced,omitempty"`
	// Held is why the alert's resource cannot be judged now (stale data):
	// it neither fires nor resolves until the data is fresh again.
	Held string `json:"held,omitempty"`
}

// Event is one transition of an alert, as the history table keeps it and
// notifications carry it.
type Event struct {
	// ID is unique per transition: the notification idempotency key.
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	From  State     `json:"from,omitempty"`
	To    State     `json:"to"`
	What  string    `json:"what"` // pending, firing, resolved, ack, unack, flapping
	By    string    `json:"by,omitempty"`
	Alert Alert     `json:"alert"`
}
