package ingest

import (
	"fmt"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// CheckSnapshot holds a snapshot the core projected itself (the agent
// gateway's host, docker and kubernetes projections) to the rules a
// plugin's records are held to: each resource's type is one of the
// platform's governed projections and its status canonical; each metric is
// in the canonical vocabulary, applies to its resource's type and is a
// finite number; each alert has a canonical severity; each recovery point
// a known kind. What breaks a rule is left out and returned as a
// rejection, so a projection bug shows in the log instead of in the store.
// Records of a resource left out are left out with it.
func CheckSnapshot(p platform.Platform, snap resource.Snapshot) (resource.Snapshot, []Rejection) {
	var rej []Rejection
	types := make(map[string]resource.Type, len(snap.Resources))
	kept := snap.Resources[:0:0]
	for _, o := range snap.Resources {
		why := ""
		switch {
		case o.NativeID == "":
			why = "empty native_id"
		case !p.Projects(string(o.Type)):
			why = fmt.Sprintf("type %q is not a projection of %s", o.Type, p.ID)
			if err := platform.CheckProjection(p, string(o.Type)); err != nil {
				why = err.Error()
			}
		case !resource.IsStatus(o.Status):
			why = fmt.Sprintf("status %q is not canonical (%v)", o.Status, resource.Statuses)
		}
		if why != "" {
			rej = append(rej, Rejection{Kind: "resource", NativeID: o.NativeID, Reason: why})
			continue
		}
		types[o.NativeID] = o.Type
		kept = append(kept, o)
	}
	out := resource.Snapshot{Resources: kept}
	for _, l := range snap.Links {
		if _, ok := types[l.From]; ok {
			out.Links = append(out.Links, l)
		}
	}
	for _, m := range snap.Metrics {
		typ, ok := types[m.Resource]
		if !ok {
			rej = append(rej, Rejection{Kind: "metric", NativeID: m.Resource + "/" + m.Name, Reason: "its resource is not in the snapshot"})
			continue
		}
		if _, why := checkMetricFields(m.Name, m.Value, m.Unit, typ); why != "" {
			rej = append(rej, Rejection{Kind: "metric", NativeID: m.Resource + "/" + m.Name, Reason: why})
			continue
		}
		out.Metrics = append(out.Metrics, m)
	}
	for _, a := range snap.Alerts {
		if !resource.IsSeverity(a.Severity) || a.Kind == "" {
			rej = append(rej, Rejection{Kind: "alert", NativeID: a.ID, Reason: fmt.Sprintf("severity %q (want info, warning or critical) or empty kind %q", a.Severity, a.Kind)})
			continue
		}
		out.Alerts = append(out.Alerts, a)
	}
	for _, r := range snap.RecoveryPoints {
		if !resource.IsRecoveryKind(r.Kind) || r.ID == "" || r.Resource == "" {
			rej = append(rej, Rejection{Kind: "recovery-point", NativeID: r.ID, Reason: fmt.Sprintf("kind %q (want backup, snapshot or replica), id and resource are required", r.Kind)})
			continue
		}
		out.RecoveryPoints = append(out.RecoveryPoints, r)
	}
	return out, rej
}
