package sdktest

import (
	"encoding/json"
	"time"
)

// Readable is a Snapshot with attributes as JSON rather than bytes and
// times as RFC 3339, for golden files.
type Readable struct {
	Resources      []ReadableResource `json:"resources"`
	Relationships  any                `json:"relationships"`
	Metrics        any                `json:"metrics"`
	Alerts         any                `json:"alerts"`
	RecoveryPoints []ReadableRP       `json:"recovery_points"`
}

// ReadableResource is one resource of a Readable.
type ReadableResource struct {
	Type       string            `json:"type"`
	NativeID   string            `json:"native_id"`
	Name       string            `json:"name"`
	Status     string            `json:"status"`
	Identity   []string          `json:"identity,omitempty"`
	Topology   map[string]string `json:"topology,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Runtime    string            `json:"runtime,omitempty"`
	Attributes json.RawMessage   `json:"attributes,omitempty"`
}

// ReadableRP is one recovery point of a Readable.
type ReadableRP struct {
	NativeID   string          `json:"native_id"`
	Resource   string          `json:"resource"`
	Kind       string          `json:"kind"`
	Time       time.Time       `json:"time"`
	SizeBytes  int64           `json:"size_bytes,omitempty"`
	Storage    string          `json:"storage,omitempty"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// Readable renders s for golden files.
func (s *Snapshot) Readable() Readable {
	var out Readable
	for _, r := range s.Resources {
		rr := ReadableResource{Type: r.Type, NativeID: r.NativeId, Name: r.Name, Status: r.Status, Topology: r.Topology,
			Tags: r.Tags, Runtime: r.Runtime, Attributes: r.Attributes}
		for _, k := range r.Identity {
			rr.Identity = append(rr.Identity, k.Kind+"="+k.Value)
		}
		out.Resources = append(out.Resources, rr)
	}
	out.Relationships, out.Metrics, out.Alerts = s.Relationships, s.Metrics, s.Alerts
	for _, p := range s.RecoveryPoints {
		out.RecoveryPoints = append(out.RecoveryPoints, ReadableRP{NativeID: p.NativeId, Resource: p.Resource, Kind: p.Kind,
			Time: time.UnixMilli(p.TimeMs).UTC(), SizeBytes: p.SizeBytes, Storage: p.Storage, Attributes: p.Attributes})
	}
	return out
}

// Records counts every record of s.
func (s *Snapshot) Records() int {
	return len(s.Resources) + len(s.Relationships) + len(s.Metrics) + len(s.Alerts) + len(s.RecoveryPoints)
}
