package sdk

import (
	"encoding/json"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// Resource is one canonical resource as the plugin sees it.
type Resource struct {
	// Type is the canonical type; it must be one of the declared projections.
	Type resource.Type
	// NativeID is unique and stable within the connection. Choose ids that
	// survive moves inside the platform (a PVE guest's vmid, not node/vmid).
	NativeID string
	// Name is the display name.
	Name string
	// Status is the canonical status.
	Status resource.Status
	// Identity holds identity assertions; kinds must be declared.
	Identity []resource.IdentityKey
	// Topology is relationship metadata: datacenter, cluster, node, folder,
	// pool, namespace. It never becomes a resource of its own.
	Topology map[string]string
	// Tags are free-form labels.
	Tags []string
	// Attributes are type-specific details (capacity, usage, versions...).
	Attributes map[string]any
	// RawAttributes, when set, is used instead of Attributes: a JSON object.
	RawAttributes json.RawMessage
	// Runtime is a runtime variant or workload technology (qemu, lxc, podman).
	Runtime string
}

// Relationship links two resources of one connection by native id.
type Relationship struct {
	From string
	Kind resource.RelKind
	To   string
}

// Metric is one sample of one resource.
type Metric struct {
	// Resource is the native id of the resource sampled.
	Resource string
	// Name is the metric name, snake_case with a unit suffix where useful.
	Name string
	// Value is the sample.
	Value float64
	// Unit is "ratio", "bytes", "bytes_per_second", "seconds", "percent"...
	Unit string
	// Time is when it was sampled.
	Time time.Time
}

// Alert is one operator-significant health condition of the platform.
type Alert struct {
	// NativeID is stable while the condition lasts.
	NativeID string
	// Resource is the native id of the resource concerned, if any.
	Resource string
	// Severity is info, warning or critical.
	Severity resource.Severity
	// Kind is machine-readable, e.g. "node-offline".
	Kind string
	// Message is for operators.
	Message string
	// Started is when the condition began; zero when unknown.
	Started time.Time
}

// RecoveryPoint is one backup, snapshot or replica of a resource.
type RecoveryPoint struct {
	// NativeID is unique within the connection.
	NativeID string
	// Resource is the native id of the protected resource.
	Resource string
	// Kind is backup, snapshot or replica.
	Kind resource.RecoveryKind
	// Time is when it was taken.
	Time time.Time
	// SizeBytes is its size, 0 when unknown.
	SizeBytes int64
	// Storage is the native id of the storage holding it, if any.
	Storage string
	// Attributes are details (format, notes, verification, parent snapshot).
	Attributes map[string]any
	// RawAttributes, when set, is used instead of Attributes: a JSON object
	// (lets a plugin encode each point once and reuse it across cycles).
	RawAttributes json.RawMessage
}

// Emitter receives what Collect and Watch produce. Calls block while the
// stream is full; an error means the host has gone and the plugin should stop.
type Emitter interface {
	Resource(Resource) error
	Relationship(Relationship) error
	Metric(Metric) error
	Alert(Alert) error
	RecoveryPoint(RecoveryPoint) error
	// Removed reports, in a Watch delta, that a resource is gone.
	Removed(nativeID string) error
	// ClearedAlert reports, in a Watch delta, that an alert cleared.
	ClearedAlert(nativeID string) error
}
