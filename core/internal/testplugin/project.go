package testplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// apiNode mimics one entry of a platform API's node listing.
type apiNode struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"`
	CPU     float64 `json:"cpu"`
	MaxCPU  int     `json:"maxcpu"`
	Mem     int64   `json:"mem"`
	MaxMem  int64   `json:"maxmem"`
	Uptime  int64   `json:"uptime"`
	Version string  `json:"version"`
}

// Payload renders an API response listing n nodes, as a platform would send it.
func Payload(n int) []byte {
	nodes := make([]apiNode, n)
	for i := range nodes {
		nodes[i] = apiNode{
			Name: "pmg-" + strconv.Itoa(i), Status: "online", CPU: float64(i%100) / 100, MaxCPU: 8,
			Mem: int64(i) << 20, MaxMem: 16 << 30, Uptime: int64(i) * 60, Version: "8.2.1",
		}
	}
	b, _ := json.Marshal(map[string]any{"data": nodes})
	return b
}

// Project decodes an API payload and emits one pmg resource per node, a
// metric per node, and an alert for the first node: the projection the
// boundary benchmark measures in and out of process.
func Project(ctx context.Context, payload []byte, out sdk.Emitter) error {
	return ProjectAs(ctx, resource.TypePMG, payload, out)
}

// ProjectAs is Project emitting resources of type typ.
func ProjectAs(ctx context.Context, typ resource.Type, payload []byte, out sdk.Emitter) error {
	var doc struct {
		Data []apiNode `json:"data"`
	}
	if err := json.Unmarshal(payload, &doc); err != nil {
		return fmt.Errorf("decode nodes: %w", err)
	}
	for i, n := range doc.Data {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		st := resource.StatusOnline
		if n.Status != "online" {
			st = resource.StatusOffline
		}
		err := out.Resource(sdk.Resource{
			Type: typ, NativeID: n.Name, Name: n.Name, Status: st,
			Identity: []resource.IdentityKey{{Kind: resource.KeyHostname, Value: n.Name}},
			Topology: map[string]string{"cluster": "mail"},
			Attributes: map[string]any{
				"cpu": n.CPU, "cpu_count": n.MaxCPU, "memory_used_bytes": n.Mem,
				"memory_total_bytes": n.MaxMem, "uptime_seconds": n.Uptime, "version": n.Version,
			},
		})
		if err != nil {
			return err
		}
		if err := out.Metric(sdk.Metric{Resource: n.Name, Name: "cpu_usage_ratio", Value: n.CPU, Unit: "ratio"}); err != nil {
			return err
		}
		if i == 0 {
			if err := out.Alert(sdk.Alert{NativeID: "queue:" + n.Name, Resource: n.Name, Severity: resource.SeverityWarning, Kind: "mail-queue", Message: "mail queue above 100"}); err != nil {
				return err
			}
		}
	}
	return nil
}
