package governance

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

func pveDecl() *pb.Declaration {
	return &pb.Declaration{
		PlatformId: "proxmox-pve", Family: "Proxmox", IngestionMode: "api-backed", Onboarding: "platform-connections",
		Projections: []string{"agent", "vm", "system-container", "storage", "ceph", "physical-disk"},
		Surfaces: map[string]string{
			"setup": "supported", "visibility": "supported", "workloads": "supported", "storage": "supported",
			"recovery": "supported", "alerts": "supported", "assistant-read": "supported", "assistant-control": "augmentation-only",
		},
		IdentityKeys: []string{"cluster-node", "hostname", "disk-serial"},
		Augmentation: []*pb.AugmentationRule{{Source: "agent", ResourceType: "agent", Keys: []string{"cluster-node"}}},
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *pb.Declaration)
		want   string // substring of the problem; "" means accepted
	}{
		{"faithful declaration", func(*pb.Declaration) {}, ""},
		{"claims less than the model", func(d *pb.Declaration) {
			d.Projections = []string{"agent", "vm"}
			d.Surfaces["recovery"] = "unsupported"
			d.Surfaces["assistant-control"] = "read-only"
		}, ""},
		{"unknown platform", func(d *pb.Declaration) { d.PlatformId = "esxi" }, `platform id "esxi" is not governed`},
		{"presentation-only platform", func(d *pb.Declaration) { d.PlatformId = "aws" }, "presentation-only"},
		{"provider-local type", func(d *pb.Declaration) { d.Projections = append(d.Projections, "esxi-host") }, `"esxi-host" is not canonical`},
		{"type outside the platform's projections", func(d *pb.Declaration) { d.Projections = append(d.Projections, "pod") }, `does not project "pod"`},
		{"reserved exception type", func(d *pb.Declaration) { d.Projections = append(d.Projections, "pbs") }, `reserved for proxmox-pbs`},
		{"control upgraded", func(d *pb.Declaration) { d.Surfaces["assistant-control"] = "supported" }, "assistant-control is supported, the model admits at most augmentation-only"},
		{"invalid control value", func(d *pb.Declaration) { d.Surfaces["assistant-control"] = "unsupported" }, "must be one of supported, augmentation-only, read-only, n/a"},
		{"blank surface", func(d *pb.Declaration) { delete(d.Surfaces, "alerts") }, "surface alerts is not classified"},
		{"unknown surface", func(d *pb.Declaration) { d.Surfaces["billing"] = "supported" }, `"billing" is not one of the eight`},
		{"wrong mode", func(d *pb.Declaration) { d.IngestionMode = "hybrid" }, `primary ingestion mode is "hybrid"`},
		{"wrong family", func(d *pb.Declaration) { d.Family = "VMware" }, `family is "VMware"`},
		{"wrong onboarding", func(d *pb.Declaration) { d.Onboarding = "install-workspace" }, "onboarding path"},
		{"unknown identity key", func(d *pb.Declaration) { d.IdentityKeys = append(d.IdentityKeys, "vmid") }, `identity key kind "vmid"`},
		{"weak augmentation key", func(d *pb.Declaration) { d.Augmentation[0].Keys = []string{"hostname"} }, "not a strong identity key"},
		{"actions without control", func(d *pb.Declaration) { d.Actions = []string{"vm.start"} }, "declares control actions vm.start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := proto.Clone(pveDecl()).(*pb.Declaration)
			tt.mutate(d)
			_, probs := Check(d)
			if tt.want == "" {
				if len(probs) > 0 {
					t.Fatalf("refused a faithful declaration: %v", probs)
				}
				return
			}
			if len(probs) == 0 || !strings.Contains(probs.Error(), tt.want) {
				t.Fatalf("problems = %v, want one containing %q", probs, tt.want)
			}
		})
	}
}

func TestCheckAdmittedAndRecoveryNA(t *testing.T) {
	d := &pb.Declaration{
		PlatformId: "vmware-vsphere", Family: "VMware", IngestionMode: "api-backed", Onboarding: "platform-connections",
		Projections: []string{"agent", "vm", "storage"},
		Surfaces: map[string]string{
			"setup": "supported", "visibility": "supported", "workloads": "supported", "storage": "supported",
			"recovery": "n/a", "alerts": "supported", "assistant-read": "supported", "assistant-control": "read-only",
		},
	}
	if _, probs := Check(d); len(probs) > 0 {
		t.Fatalf("phase-1 vSphere declaration refused: %v", probs)
	}
	d.Surfaces["recovery"] = "supported"
	d.Projections = append(d.Projections, "physical-disk")
	_, probs := Check(d)
	if !strings.Contains(probs.Error(), "surface recovery is supported, the model says n/a") ||
		!strings.Contains(probs.Error(), `does not project "physical-disk"`) {
		t.Fatalf("problems = %v", probs)
	}
	d.PlatformId = "aws"
	if _, probs := Check(d); len(probs) == 0 {
		t.Fatal("presentation-only id accepted")
	}
}
