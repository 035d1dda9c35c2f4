package resource

import (
	"encoding/json"
	"time"
)

// Observation is one source's view of one resource, already validated: what
// a plugin projected or an agent reported. Sources are keyed
// platform/connection/native-id.
type Observation struct {
	Type       Type              `json:"type"`
	NativeID   string            `json:"native_id"`
	Name       string            `json:"name"`
	Status     Status            `json:"status"`
	Identity   []IdentityKey     `json:"identity,omitempty"`
	Topology   map[string]string `json:"topology,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Runtime    string            `json:"runtime,omitempty"`
	Attributes json.RawMessage   `json:"attributes,omitempty"`
}

// Link is a relationship between two observations of one source, by native id.
type Link struct {
	From string  `json:"from"`
	Kind RelKind `json:"kind"`
	To   string  `json:"to"`
}

// SourceRef names where observations come from.
type SourceRef struct {
	Platform   string `json:"platform"`
	Connection string `json:"connection"`
}

// Key returns the source key of a native id: platform/connection/native-id.
func (s SourceRef) Key(nativeID string) string {
	return s.Platform + "/" + s.Connection + "/" + nativeID
}

// Role is a source's role in a merged resource.
type Role string

// Roles: the primary source defines the record; augmenting sources enrich it.
const (
	RolePrimary Role = "primary"
	RoleAugment Role = "augment"
)

// Source is one contributing source of a canonical resource.
type Source struct {
	Platform    string    `json:"platform"`
	Connection  string    `json:"connection"`
	NativeID    string    `json:"native_id"`
	Role        Role      `json:"role"`
	Fields      []string  `json:"fields,omitempty"` // fields this source contributed
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Stale       bool      `json:"stale"`
	StaleReason string    `json:"stale_reason,omitempty"`
}

// Relation is a resolved relationship to another canonical resource.
type Relation struct {
	Kind   RelKind `json:"kind"`
	Target string  `json:"target"` // canonical id
}

// Resource is a canonical, possibly merged, resource as the core stores and
// serves it.
type Resource struct {
	ID            string            `json:"id"`
	Type          Type              `json:"type"`
	Platform      string            `json:"platform"`   // primary source's platform
	Connection    string            `json:"connection"` // primary source's connection
	Name          string            `json:"name"`
	Status        Status            `json:"status"`
	Identity      []IdentityKey     `json:"identity"`
	Topology      map[string]string `json:"topology,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
	Runtime       string            `json:"runtime,omitempty"`
	Attributes    json.RawMessage   `json:"attributes,omitempty"`
	Relationships []Relation        `json:"relationships"`
	Sources       []Source          `json:"sources"`
	FirstSeen     time.Time         `json:"first_seen"`
	LastSeen      time.Time         `json:"last_seen"`
	Stale         bool              `json:"stale"`
	StaleReason   string            `json:"stale_reason,omitempty"`
	StaleSince    *time.Time        `json:"stale_since,omitempty"`
}

// Metric is one sample of a resource.
type Metric struct {
	Resource string    `json:"resource"` // native id in input, canonical id in output
	Name     string    `json:"name"`
	Value    float64   `json:"value"`
	Unit     string    `json:"unit,omitempty"`
	Time     time.Time `json:"time"`
}

// Alert is a health condition raised by a platform (or by the core).
type Alert struct {
	ID         string     `json:"id"` // canonical alert id (output); native id (input)
	Resource   string     `json:"resource,omitempty"`
	Platform   string     `json:"platform"`
	Connection string     `json:"connection"`
	Severity   Severity   `json:"severity"`
	Kind       string     `json:"kind"`
	Message    string     `json:"message"`
	Started    time.Time  `json:"started"`
	LastSeen   time.Time  `json:"last_seen"`
	Cleared    *time.Time `json:"cleared,omitempty"`
}

// RecoveryPoint is a backup, snapshot or replica of a canonical resource.
type RecoveryPoint struct {
	ID         string          `json:"id"`
	Resource   string          `json:"resource"` // native id in input, canonical id in output
	Platform   string          `json:"platform"`
	Connection string          `json:"connection"`
	Kind       RecoveryKind    `json:"kind"`
	Time       time.Time       `json:"time"`
	SizeBytes  int64           `json:"size_bytes,omitempty"`
	Storage    string          `json:"storage,omitempty"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// Snapshot is one complete, validated collection from one source.
type Snapshot struct {
	Resources      []Observation
	Links          []Link
	Metrics        []Metric
	Alerts         []Alert
	RecoveryPoints []RecoveryPoint
}

// Delta is an incremental change from one source (Watch).
type Delta struct {
	Upserts       []Observation
	Links         []Link
	Metrics       []Metric
	Alerts        []Alert
	Removed       []string // native ids
	ClearedAlerts []string // native alert ids
}
