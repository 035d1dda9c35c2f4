package sdktest

import "github.com/pulsehost/pulse/plugins/sdk"

// Collector is an in-process sdk.Emitter that keeps every record, for tests
// and for measuring a projection without the wire.
type Collector struct {
	Resources      []sdk.Resource
	Relationships  []sdk.Relationship
	Metrics        []sdk.Metric
	Alerts         []sdk.Alert
	RecoveryPoints []sdk.RecoveryPoint
	RemovedIDs     []string
	ClearedIDs     []string
}

var _ sdk.Emitter = (*Collector)(nil)

// Resource keeps r.
func (c *Collector) Resource(r sdk.Resource) error { c.Resources = append(c.Resources, r); return nil }

// Relationship keeps r.
func (c *Collector) Relationship(r sdk.Relationship) error {
	c.Relationships = append(c.Relationships, r)
	return nil
}

// Metric keeps m.
func (c *Collector) Metric(m sdk.Metric) error { c.Metrics = append(c.Metrics, m); return nil }

// Alert keeps a.
func (c *Collector) Alert(a sdk.Alert) error { c.Alerts = append(c.Alerts, a); return nil }

// RecoveryPoint keeps r.
func (c *Collector) RecoveryPoint(r sdk.RecoveryPoint) error {
	c.RecoveryPoints = append(c.RecoveryPoints, r)
	return nil
}

// Removed keeps id.
func (c *Collector) Removed(id string) error { c.RemovedIDs = append(c.RemovedIDs, id); return nil }

// ClearedAlert keeps id.
func (c *Collector) ClearedAlert(id string) error {
	c.ClearedIDs = append(c.ClearedIDs, id)
	return nil
}
