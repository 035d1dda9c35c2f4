package store

import (
	"bytes"
	"maps"
	"slices"

	"github.com/pulsehost/pulse/core/resource"
)

// sameObservation reports whether o equals stored, field for field, as
// the JSON encoding sees them (a nil and an empty list or map encode
// alike). Equal means encoding o gives stored's JSON, so the record is
// unchanged; unequal proves nothing (o may differ only in ways the JSON
// round trip normalizes) and the caller compares hashes instead.
func sameObservation(o, stored resource.Observation) bool {
	return o.Type == stored.Type && o.NativeID == stored.NativeID && o.Name == stored.Name &&
		o.Status == stored.Status && o.Runtime == stored.Runtime &&
		slices.Equal(o.Identity, stored.Identity) && slices.Equal(o.Tags, stored.Tags) &&
		maps.Equal(o.Topology, stored.Topology) && bytes.Equal(o.Attributes, stored.Attributes)
}
