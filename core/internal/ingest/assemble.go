package ingest

import (
	"fmt"
	"slices"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Assembler gathers the batches of one Collect (or one Watch delta) into a
// validated snapshot. It is not safe for concurrent use.
type Assembler struct {
	rule     *Rule
	now      time.Time
	snap     resource.Snapshot
	delta    resource.Delta
	known    map[string]resource.Type // native ids of accepted resources → type
	alerts   map[string]bool
	links    []*pb.Relationship
	metrics  []*pb.Metric
	rejected []Rejection
	records  int
}

// NewAssembler starts a snapshot for rule at time now.
func NewAssembler(rule *Rule, now time.Time) *Assembler {
	return &Assembler{rule: rule, now: now, known: map[string]resource.Type{}, alerts: map[string]bool{}}
}

func (a *Assembler) reject(kind, id, reason string) {
	a.rejected = append(a.rejected, Rejection{Kind: kind, NativeID: id, Reason: reason})
}

// Add validates and keeps one batch. It returns an error only when the source
// exceeds the hard limits; the snapshot is then unusable.
func (a *Assembler) Add(b *pb.Batch) error {
	a.records += len(b.Resources) + len(b.Metrics) + len(b.Alerts) + len(b.RecoveryPoints) + len(b.Relationships)
	if a.records > MaxRecords || len(a.known)+len(b.Resources) > MaxResources {
		return fmt.Errorf("source sent more than %d resources or %d records in one snapshot", MaxResources, MaxRecords)
	}
	nkeys := 0
	for _, r := range b.Resources {
		nkeys += len(r.GetIdentity())
	}
	keys := make([]resource.IdentityKey, 0, nkeys)
	for _, r := range b.Resources {
		if why := a.rule.checkResource(r); why != "" {
			a.reject("resource", r.GetNativeId(), why)
			continue
		}
		if _, dup := a.known[r.NativeId]; dup {
			a.reject("resource", r.NativeId, "duplicate native_id in one snapshot")
			continue
		}
		a.known[r.NativeId] = resource.Type(r.Type)
		a.snap.Resources = append(a.snap.Resources, observation(r, &keys))
	}
	a.links = append(a.links, b.Relationships...)
	a.metrics = append(a.metrics, b.Metrics...)
	for _, al := range b.Alerts {
		if why := a.rule.checkAlert(al); why != "" {
			a.reject("alert", al.GetNativeId(), why)
			continue
		}
		if a.alerts[al.NativeId] {
			continue
		}
		a.alerts[al.NativeId] = true
		started := ms(al.StartedMs)
		if started.IsZero() {
			started = a.now
		}
		a.snap.Alerts = append(a.snap.Alerts, resource.Alert{
			ID: al.NativeId, Resource: al.Resource, Severity: resource.Severity(al.Severity),
			Kind: al.Kind, Message: al.Message, Started: started, LastSeen: a.now,
		})
	}
	for _, rp := range b.RecoveryPoints {
		if why := a.rule.checkRecovery(rp); why != "" {
			a.reject("recovery-point", rp.GetNativeId(), why)
			continue
		}
		a.snap.RecoveryPoints = append(a.snap.RecoveryPoints, resource.RecoveryPoint{
			ID: rp.NativeId, Resource: rp.Resource, Kind: resource.RecoveryKind(rp.Kind),
			Time: ms(rp.TimeMs), SizeBytes: rp.SizeBytes, Storage: rp.Storage, Attributes: rp.Attributes,
		})
	}
	a.delta.Removed = append(a.delta.Removed, b.Removed...)
	a.delta.ClearedAlerts = append(a.delta.ClearedAlerts, b.ClearedAlerts...)
	return nil
}

// Existing reports the type of a resource a source delivered before, for a
// delta whose links and metrics refer to it.
type Existing func(nativeID string) (resource.Type, bool)

// resolve validates links and metrics once every resource is known. For a
// delta, ids already known to the store (existing) are valid targets too.
func (a *Assembler) resolve(existing Existing) {
	typeOf := func(id string) (resource.Type, bool) {
		if t, ok := a.known[id]; ok {
			return t, true
		}
		if existing != nil {
			return existing(id)
		}
		return "", false
	}
	known := func(id string) bool { _, ok := typeOf(id); return ok }
	// Sized once: tens of thousands of samples per cycle would otherwise
	// regrow (and copy) the slices a dozen times.
	a.snap.Links = slices.Grow(a.snap.Links, len(a.links))
	a.snap.Metrics = slices.Grow(a.snap.Metrics, len(a.metrics))
	for _, l := range a.links {
		switch {
		case !resource.IsRelKind(resource.RelKind(l.GetKind())):
			a.reject("link", l.GetFrom()+"->"+l.GetTo(), fmt.Sprintf("kind %q is not one of %v", l.GetKind(), resource.RelKinds))
		case !known(l.GetFrom()) || !known(l.GetTo()):
			a.reject("link", l.GetFrom()+"->"+l.GetTo(), "an end is not a resource of this source")
		default:
			a.snap.Links = append(a.snap.Links, resource.Link{From: l.From, Kind: resource.RelKind(l.Kind), To: l.To})
		}
	}
	for _, m := range a.metrics {
		typ, ok := typeOf(m.GetResource())
		if !ok {
			a.reject("metric", m.GetResource()+"/"+m.GetName(), "resource is not a resource of this source")
			continue
		}
		def, why := checkMetric(m, typ)
		if why != "" {
			a.reject("metric", m.GetResource()+"/"+m.GetName(), why)
			continue
		}
		t := ms(m.TimeMs)
		if t.IsZero() {
			t = a.now
		}
		// The vocabulary's own name string: the store keeps the latest
		// sample of every series, and sharing one string per name (not one
		// decoded copy per sample) keeps that small.
		a.snap.Metrics = append(a.snap.Metrics, resource.Metric{Resource: m.Resource, Name: def.Name, Value: m.Value, Unit: string(def.Unit), Time: t})
	}
	a.links, a.metrics = nil, nil
}

// Snapshot finishes a Collect: the validated snapshot and the rejections.
func (a *Assembler) Snapshot() (resource.Snapshot, []Rejection) {
	a.resolve(nil)
	return a.snap, a.rejected
}

// Delta finishes a Watch batch; existing reports the type of a native id
// already stored for this source.
func (a *Assembler) Delta(existing Existing) (resource.Delta, []Rejection) {
	a.resolve(existing)
	d := a.delta
	d.Upserts, d.Links, d.Metrics, d.Alerts = a.snap.Resources, a.snap.Links, a.snap.Metrics, a.snap.Alerts
	return d, a.rejected
}
