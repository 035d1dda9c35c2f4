package store

import (
	"errors"

	"github.com/pulsehost/pulse/core/resource"
)

// ErrClosed is returned by applies on a closed store.
var ErrClosed = errors.New("store: closed")

// MaxClearedAlerts is how many cleared alerts the store keeps; older cleared
// alerts are pruned.
const MaxClearedAlerts = 1000

// Filter selects resources. Zero fields match everything.
type Filter struct {
	// Type keeps resources of this canonical type.
	Type resource.Type
	// Platform keeps resources with at least one source of this platform.
	Platform string
	// Connection keeps resources with at least one source of this connection
	// (combined with Platform, both must hold for the same source).
	Connection string
	// Stale, when set, keeps resources whose staleness equals *Stale.
	Stale *bool
	// IDs, when non-empty, keeps only these canonical ids.
	IDs []string
}

// AlertFilter selects alerts. By default only active alerts are returned.
type AlertFilter struct {
	// Resource keeps alerts of this canonical resource id.
	Resource string
	// Platform and Connection keep alerts raised by this source.
	Platform, Connection string
	// IncludeCleared also returns cleared alerts.
	IncludeCleared bool
}

// ApplyStats counts what one apply did.
type ApplyStats struct {
	// Upserted is the number of source records created or changed.
	Upserted int
	// Unchanged is the number of source records whose content was identical.
	Unchanged int
	// Removed is the number of source records removed.
	Removed int
	// Merged is the number of source records that joined a canonical resource
	// holding records of other sources.
	Merged int
	// DroppedLinks is the number of links dropped because an end is unknown
	// in the source (or the kind is not a relationship kind).
	DroppedLinks int
}
