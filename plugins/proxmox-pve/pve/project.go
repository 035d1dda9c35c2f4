package pve

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// emitter collects a cycle's records in order: resources first, then
// relationships, metrics, alerts and recovery points, all sorted, so that
// the output is deterministic.
type emitter struct {
	out  sdk.Emitter
	now  time.Time
	err  error
	rels []sdk.Relationship
	mets []sdk.Metric
	alts []sdk.Alert
}

func (e *emitter) resource(r sdk.Resource, attrs any) {
	if e.err != nil {
		return
	}
	raw, err := json.Marshal(attrs)
	if err != nil {
		e.err = fmt.Errorf("encode attributes of %s: %w", r.NativeID, err)
		return
	}
	r.RawAttributes = raw
	e.err = e.out.Resource(r)
}

func (e *emitter) rel(from string, kind resource.RelKind, to string) {
	e.rels = append(e.rels, sdk.Relationship{From: from, Kind: kind, To: to})
}

func (e *emitter) metric(res, name string, v float64, unit string) {
	e.mets = append(e.mets, sdk.Metric{Resource: res, Name: name, Value: v, Unit: unit, Time: e.now})
}

func (e *emitter) alert(a sdk.Alert) { e.alts = append(e.alts, a) }

// emit projects a cycle's view into canonical records.
func emit(v *view, out sdk.Emitter) error {
	e := &emitter{out: out, now: v.now}
	// Sized for what the projections emit (a running guest 11 samples, a
	// node 8, a storage 4), so the list is allocated once per cycle.
	e.mets = make([]sdk.Metric, 0, 8*len(v.nodes)+11*len(v.guests)+4*len(v.stores))
	projectNodes(e, v)
	projectGuests(e, v)
	projectStorage(e, v)
	projectCeph(e, v)
	projectDisks(e, v)
	if e.err != nil {
		return e.err
	}
	for _, r := range e.rels {
		if err := out.Relationship(r); err != nil {
			return err
		}
	}
	for _, m := range e.mets {
		if err := out.Metric(m); err != nil {
			return err
		}
	}
	nodeAlerts(e, v)
	taskAlerts(e, v)
	for _, a := range e.alts {
		if err := out.Alert(a); err != nil {
			return err
		}
	}
	return emitRecovery(v, out)
}

func nodeID(name string) string { return "node/" + name }

// topology is the relationship metadata shared by a cluster's records.
func topology(v *view, node string) map[string]string {
	t := map[string]string{}
	if v.cluster != "" {
		t["cluster"] = v.cluster
	}
	if node != "" {
		t["node"] = node
	}
	return t
}
