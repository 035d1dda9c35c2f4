// Package ingest validates what a plugin emits against its declaration and
// the governed model, and turns accepted wire records into the store's
// canonical observations. A record outside the declaration is rejected with a
// reason and counted; it never reaches the store.
package ingest

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Limits bound what one source may send, so a faulty plugin cannot exhaust
// the core's memory.
const (
	MaxAttributeBytes = 64 << 10
	MaxIDLength       = 512
	MaxNameLength     = 512
	MaxResources      = 250_000
	MaxRecords        = 2_000_000
)

// Rule is what a source may emit: the intersection of its declaration and
// the governed model.
type Rule struct {
	Platform     platform.Platform
	projections  []string
	identityKeys []string
	alerts       bool
	recovery     bool
}

// NewRule derives the rule for a declaration already accepted by governance.
func NewRule(p platform.Platform, d *pb.Declaration) *Rule {
	r := &Rule{Platform: p, identityKeys: d.GetIdentityKeys()}
	for _, t := range d.GetProjections() {
		if p.Projects(t) {
			r.projections = append(r.projections, t)
		}
	}
	ok := func(s platform.Surface) bool {
		c := platform.Class(d.GetSurfaces()[string(s)])
		return p.Floor != nil && p.Floor.Class(s) != platform.ClassNotApplicable &&
			c != platform.ClassNotApplicable && c != platform.ClassUnsupported && c != ""
	}
	r.alerts = ok(platform.SurfaceAlerts)
	r.recovery = ok(platform.SurfaceRecovery)
	return r
}

// Rejection is one record refused, with why.
type Rejection struct {
	Kind     string `json:"kind"` // resource, link, metric, alert, recovery-point
	NativeID string `json:"native_id"`
	Reason   string `json:"reason"`
}

func (r Rejection) String() string {
	return fmt.Sprintf("%s %q rejected: %s", r.Kind, r.NativeID, r.Reason)
}

// checkResource returns why r is refused, or "".
func (ru *Rule) checkResource(r *pb.Resource) string {
	switch {
	case r.GetNativeId() == "":
		return "empty native_id"
	case len(r.GetNativeId()) > MaxIDLength:
		return fmt.Sprintf("native_id longer than %d bytes", MaxIDLength)
	case len(r.GetName()) > MaxNameLength:
		return fmt.Sprintf("name longer than %d bytes", MaxNameLength)
	case !slices.Contains(ru.projections, r.GetType()):
		if err := platform.CheckProjection(ru.Platform, r.GetType()); err != nil {
			return err.Error()
		}
		return fmt.Sprintf("type %q is not in the plugin's declared projections %v", r.GetType(), ru.projections)
	case !resource.IsStatus(resource.Status(r.GetStatus())):
		return fmt.Sprintf("status %q is not canonical (%v)", r.GetStatus(), resource.Statuses)
	case len(r.GetAttributes()) > MaxAttributeBytes:
		return fmt.Sprintf("attributes are %d bytes, the limit is %d", len(r.GetAttributes()), MaxAttributeBytes)
	}
	if a := r.GetAttributes(); len(a) > 0 && (a[0] != '{' || !validJSON(a)) {
		return "attributes are not a JSON object"
	}
	for _, k := range r.GetIdentity() {
		if !slices.Contains(ru.identityKeys, k.GetKind()) {
			return fmt.Sprintf("identity key kind %q is not declared (declared: %v)", k.GetKind(), ru.identityKeys)
		}
		if k.GetValue() == "" {
			return fmt.Sprintf("identity key %q has an empty value", k.GetKind())
		}
	}
	return ""
}

// observation converts r; its identity keys are carved from *keys (so a
// batch's resources share one allocation instead of one each).
func observation(r *pb.Resource, keys *[]resource.IdentityKey) resource.Observation {
	o := resource.Observation{
		Type: resource.Type(r.GetType()), NativeID: r.GetNativeId(), Name: r.GetName(),
		Status: resource.Status(r.GetStatus()), Topology: r.GetTopology(), Tags: r.GetTags(),
		Runtime: r.GetRuntime(), Attributes: r.GetAttributes(),
	}
	if o.Name == "" {
		o.Name = o.NativeID
	}
	if n := len(r.GetIdentity()); n > 0 {
		start := len(*keys)
		for _, k := range r.GetIdentity() {
			*keys = append(*keys, resource.IdentityKey{Kind: resource.KeyKind(k.GetKind()), Value: k.GetValue()})
		}
		o.Identity = (*keys)[start:len(*keys):len(*keys)]
	}
	return o
}

// checkMetric returns the vocabulary entry of m, or why m is refused: its
// name must be in the canonical vocabulary (core/resource/metrics.go), its
// unit the entry's unit (or empty), and the entry must apply to typ.
func checkMetric(m *pb.Metric, typ resource.Type) (resource.MetricDef, string) {
	return checkMetricFields(m.GetName(), m.GetValue(), m.GetUnit(), typ)
}

// checkMetricFields is the metric rule for plugins' records and the core's
// own projections alike.
func checkMetricFields(name string, value float64, unit string, typ resource.Type) (resource.MetricDef, string) {
	switch {
	case name == "":
		return resource.MetricDef{}, "empty name"
	case math.IsNaN(value) || math.IsInf(value, 0):
		return resource.MetricDef{}, fmt.Sprintf("value of %s is not a finite number", name)
	}
	def, ok := resource.LookupMetric(name)
	if !ok {
		return def, fmt.Sprintf("metric %q is not in the canonical vocabulary (see core/resource/metrics.go or the README's metric table; e.g. cpu_usage_ratio, memory_used_bytes, disk_read_bytes_total)", name)
	}
	if unit != "" && unit != string(def.Unit) {
		return def, fmt.Sprintf("metric %s has unit %q, the vocabulary's unit is %q", name, unit, def.Unit)
	}
	if !def.AppliesTo(typ) {
		return def, fmt.Sprintf("metric %s does not apply to type %s (it applies to %v)", name, typ, def.Types)
	}
	return def, ""
}

func (ru *Rule) checkAlert(a *pb.Alert) string {
	switch {
	case !ru.alerts:
		return fmt.Sprintf("the alerts surface of %s is not declared", ru.Platform.ID)
	case a.GetNativeId() == "":
		return "empty native_id"
	case !resource.IsSeverity(resource.Severity(a.GetSeverity())):
		return fmt.Sprintf("severity %q is not info, warning or critical", a.GetSeverity())
	case a.GetKind() == "":
		return "empty kind"
	}
	return ""
}

func (ru *Rule) checkRecovery(r *pb.RecoveryPoint) string {
	switch {
	case !ru.recovery:
		return fmt.Sprintf("the recovery surface of %s is n/a or not declared", ru.Platform.ID)
	case r.GetNativeId() == "" || r.GetResource() == "":
		return "native_id and resource are required"
	case !resource.IsRecoveryKind(resource.RecoveryKind(r.GetKind())):
		return fmt.Sprintf("kind %q is not backup, snapshot or replica", r.GetKind())
	case len(r.GetAttributes()) > MaxAttributeBytes:
		return "attributes too large"
	}
	return ""
}

func ms(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
