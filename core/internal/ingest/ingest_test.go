package ingest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

func vsphereRule() *Rule {
	p, _ := platform.Lookup("vmware-vsphere")
	return NewRule(p, &pb.Declaration{
		PlatformId: "vmware-vsphere", Projections: []string{"agent", "vm", "storage"},
		IdentityKeys: []string{"host-hardware-uuid", "vm-instance-uuid"},
		Surfaces:     map[string]string{"alerts": "supported", "recovery": "n/a"},
	})
}

func TestAssemblerRejects(t *testing.T) {
	ok := &pb.Resource{Type: "vm", NativeId: "vm-1", Status: "running", Identity: []*pb.IdentityKey{{Kind: "vm-instance-uuid", Value: "u1"}}}
	tests := []struct {
		name  string
		batch *pb.Batch
		want  string // substring of the single rejection; "" = accepted
	}{
		{"accepted", &pb.Batch{Resources: []*pb.Resource{ok}}, ""},
		{"provider-local type", &pb.Batch{Resources: []*pb.Resource{{Type: "esxi-host", NativeId: "h", Status: "online"}}}, "not canonical"},
		{"undeclared projection", &pb.Batch{Resources: []*pb.Resource{{Type: "physical-disk", NativeId: "d", Status: "online"}}}, `does not project "physical-disk"`},
		{"bad status", &pb.Batch{Resources: []*pb.Resource{{Type: "vm", NativeId: "v", Status: "poweredOn"}}}, `status "poweredOn"`},
		{"undeclared identity key", &pb.Batch{Resources: []*pb.Resource{{Type: "vm", NativeId: "v", Status: "running", Identity: []*pb.IdentityKey{{Kind: "machine-id", Value: "m"}}}}}, "not declared"},
		{"attributes not an object", &pb.Batch{Resources: []*pb.Resource{{Type: "vm", NativeId: "v", Status: "running", Attributes: []byte(`[1]`)}}}, "not a JSON object"},
		{"oversized attributes", &pb.Batch{Resources: []*pb.Resource{{Type: "vm", NativeId: "v", Status: "running", Attributes: []byte(`{"x":"` + strings.Repeat("a", MaxAttributeBytes) + `"}`)}}}, "limit"},
		{"empty native id", &pb.Batch{Resources: []*pb.Resource{{Type: "vm", Status: "running"}}}, "empty native_id"},
		{"duplicate", &pb.Batch{Resources: []*pb.Resource{ok, ok}}, "duplicate"},
		{"recovery on n/a surface", &pb.Batch{Resources: []*pb.Resource{ok}, RecoveryPoints: []*pb.RecoveryPoint{{NativeId: "s1", Resource: "vm-1", Kind: "snapshot"}}}, "recovery surface"},
		{"dangling link", &pb.Batch{Resources: []*pb.Resource{ok}, Relationships: []*pb.Relationship{{From: "vm-1", Kind: "runs-on", To: "host-9"}}}, "not a resource of this source"},
		{"bad link kind", &pb.Batch{Resources: []*pb.Resource{ok}, Relationships: []*pb.Relationship{{From: "vm-1", Kind: "lives-in", To: "vm-1"}}}, `kind "lives-in"`},
		{"metric of unknown resource", &pb.Batch{Metrics: []*pb.Metric{{Resource: "vm-7", Name: "cpu"}}}, "not a resource of this source"},
		{"canonical metric", &pb.Batch{Resources: []*pb.Resource{ok}, Metrics: []*pb.Metric{{Resource: "vm-1", Name: "cpu_usage_ratio", Unit: "ratio", Value: 0.5}}}, ""},
		{"canonical metric without unit", &pb.Batch{Resources: []*pb.Resource{ok}, Metrics: []*pb.Metric{{Resource: "vm-1", Name: "network_receive_bytes_total", Value: 5}}}, ""},
		{"metric outside the vocabulary", &pb.Batch{Resources: []*pb.Resource{ok}, Metrics: []*pb.Metric{{Resource: "vm-1", Name: "cpu_usage", Unit: "ratio"}}}, `"cpu_usage" is not in the canonical vocabulary`},
		{"metric with the wrong unit", &pb.Batch{Resources: []*pb.Resource{ok}, Metrics: []*pb.Metric{{Resource: "vm-1", Name: "memory_used_bytes", Unit: "percent"}}}, `vocabulary's unit is "bytes"`},
		{"metric for a type it does not apply to", &pb.Batch{Resources: []*pb.Resource{ok}, Metrics: []*pb.Metric{{Resource: "vm-1", Name: "storage_used_bytes", Unit: "bytes"}}}, "does not apply to type vm"},
		{"metric not finite", &pb.Batch{Resources: []*pb.Resource{ok}, Metrics: []*pb.Metric{{Resource: "vm-1", Name: "cpu_usage_ratio", Value: math.NaN()}}}, "not a finite number"},
		{"metric with an empty name", &pb.Batch{Resources: []*pb.Resource{ok}, Metrics: []*pb.Metric{{Resource: "vm-1"}}}, "empty name"},
		{"bad severity", &pb.Batch{Alerts: []*pb.Alert{{NativeId: "a", Severity: "red", Kind: "x"}}}, "severity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAssembler(vsphereRule(), time.Unix(100, 0))
			if err := a.Add(tt.batch); err != nil {
				t.Fatal(err)
			}
			_, rej := a.Snapshot()
			if tt.want == "" {
				if len(rej) != 0 {
					t.Fatalf("rejected: %v", rej)
				}
				return
			}
			if len(rej) != 1 || !strings.Contains(rej[0].Reason, tt.want) {
				t.Fatalf("rejections = %v, want one containing %q", rej, tt.want)
			}
		})
	}
}

func TestAssemblerKeepsValidRecordsBesideRejected(t *testing.T) {
	a := NewAssembler(vsphereRule(), time.Unix(100, 0))
	_ = a.Add(&pb.Batch{
		Resources:     []*pb.Resource{{Type: "agent", NativeId: "h1", Status: "online"}, {Type: "vm", NativeId: "v1", Status: "running"}, {Type: "pod", NativeId: "p", Status: "running"}},
		Relationships: []*pb.Relationship{{From: "v1", Kind: "runs-on", To: "h1"}},
		Metrics:       []*pb.Metric{{Resource: "v1", Name: "cpu_usage_ratio", Value: 0.5}},
		Alerts:        []*pb.Alert{{NativeId: "a1", Resource: "h1", Severity: "warning", Kind: "health"}},
	})
	snap, rej := a.Snapshot()
	if len(snap.Resources) != 2 || len(snap.Links) != 1 || len(snap.Metrics) != 1 || len(snap.Alerts) != 1 || len(rej) != 1 {
		t.Fatalf("snapshot = %+v, rejections = %v", snap, rej)
	}
	if snap.Metrics[0].Time.IsZero() || snap.Alerts[0].Started.IsZero() {
		t.Fatal("zero times not defaulted to now")
	}
}

func TestDeltaAcceptsLinksToStoredResources(t *testing.T) {
	a := NewAssembler(vsphereRule(), time.Unix(100, 0))
	_ = a.Add(&pb.Batch{
		Resources:     []*pb.Resource{{Type: "vm", NativeId: "v1", Status: "stopped"}},
		Relationships: []*pb.Relationship{{From: "v1", Kind: "runs-on", To: "h1"}},
		Removed:       []string{"v2"},
	})
	d, rej := a.Delta(func(id string) (resource.Type, bool) { return resource.TypeAgent, id == "h1" })
	if len(rej) != 0 || len(d.Upserts) != 1 || len(d.Links) != 1 || len(d.Removed) != 1 {
		t.Fatalf("delta = %+v, rejections = %v", d, rej)
	}
}

func TestDeltaMetricsOfStoredResourcesAreTypeChecked(t *testing.T) {
	a := NewAssembler(vsphereRule(), time.Unix(100, 0))
	_ = a.Add(&pb.Batch{Metrics: []*pb.Metric{
		{Resource: "h1", Name: "cpu_usage_ratio", Value: 0.1},
		{Resource: "h1", Name: "storage_total_bytes", Value: 1},
	}})
	d, rej := a.Delta(func(id string) (resource.Type, bool) { return resource.TypeAgent, id == "h1" })
	if len(d.Metrics) != 1 || len(rej) != 1 || !strings.Contains(rej[0].Reason, "does not apply to type agent") {
		t.Fatalf("delta = %+v, rejections = %v", d, rej)
	}
	if d.Metrics[0].Unit != "ratio" {
		t.Fatalf("unit = %q, want the vocabulary's unit filled in", d.Metrics[0].Unit)
	}
}
