package ingest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// FuzzAssemble feeds arbitrary protobuf batches (as a plugin could send
// them) through record validation. It must never panic, and whatever it
// accepts must be valid: canonical types the plugin declared, non-empty
// unique native ids, attributes a JSON object within the size limit, known
// severities; every rejection carries a reason. Seeds are in
// testdata/fuzz/FuzzAssemble and below.
func FuzzAssemble(f *testing.F) {
	ok := &pb.Resource{Type: "vm", NativeId: "vm-1", Status: "running", Attributes: []byte(`{"a":1}`),
		Identity: []*pb.IdentityKey{{Kind: "vm-instance-uuid", Value: "u1"}}}
	for _, b := range []*pb.Batch{
		{Resources: []*pb.Resource{ok}},
		{Resources: []*pb.Resource{ok, {Type: "agent", NativeId: "h1", Status: "online"}},
			Relationships: []*pb.Relationship{{From: "vm-1", Kind: "runs-on", To: "h1"}},
			Metrics:       []*pb.Metric{{Resource: "vm-1", Name: "cpu_usage_ratio", Value: 0.5}}},
		{Alerts: []*pb.Alert{{NativeId: "a", Severity: "warning", Kind: "x", Resource: "vm-1"}}},
		{Resources: []*pb.Resource{{Type: "vm", NativeId: "v", Status: "running", Attributes: []byte(`[1]`)}}},
		{Removed: []string{"vm-1"}, ClearedAlerts: []string{"a"}},
	} {
		raw, err := proto.Marshal(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var b pb.Batch
		if err := proto.Unmarshal(raw, &b); err != nil {
			return // the gRPC layer refuses it before ingest
		}
		rule := vsphereRule()
		a := NewAssembler(rule, time.Unix(100, 0))
		if err := a.Add(&b); err != nil {
			return // over the record limits: refused whole
		}
		snap, rej := a.Snapshot()
		for _, r := range rej {
			if r.Reason == "" || r.Kind == "" {
				t.Fatalf("rejection without a reason: %+v", r)
			}
		}
		seen := map[string]bool{}
		for _, o := range snap.Resources {
			if !resource.IsCanonical(o.Type) || !slices.Contains(rule.projections, string(o.Type)) {
				t.Fatalf("accepted type %q", o.Type)
			}
			if o.NativeID == "" || seen[o.NativeID] {
				t.Fatalf("accepted native id %q (duplicate %v)", o.NativeID, seen[o.NativeID])
			}
			seen[o.NativeID] = true
			if len(o.Attributes) > MaxAttributeBytes {
				t.Fatalf("accepted %d bytes of attributes", len(o.Attributes))
			}
			if len(o.Attributes) > 0 && !strings.HasPrefix(strings.TrimSpace(string(o.Attributes)), "{") {
				t.Fatalf("accepted attributes %q", o.Attributes)
			}
		}
		for _, al := range snap.Alerts {
			switch al.Severity {
			case resource.SeverityCritical, resource.SeverityWarning, resource.SeverityInfo:
			default:
				t.Fatalf("accepted severity %q", al.Severity)
			}
		}
		// A delta of the same batch must not panic either.
		d := NewAssembler(rule, time.Unix(100, 0))
		if d.Add(&b) == nil {
			_, _ = d.Delta(func(string) (resource.Type, bool) { return "", false })
		}
	})
}
