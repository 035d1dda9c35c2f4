package pve_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

// TestDeclarationIsGoverned checks the declaration against the governed
// model: the same row, no more projections or surfaces than admitted, no
// actions (control is augmentation-only), identity keys that exist.
func TestDeclarationIsGoverned(t *testing.T) {
	d := pve.Declaration
	p, ok := platform.Lookup(d.Platform)
	if !ok || !p.Supported() {
		t.Fatalf("platform %s is not a supported governed platform", d.Platform)
	}
	if d.Family != p.Family || d.Mode != p.Mode || d.Onboarding != p.Onboarding {
		t.Errorf("family/mode/onboarding %s/%s/%s, governed %s/%s/%s", d.Family, d.Mode, d.Onboarding, p.Family, p.Mode, p.Onboarding)
	}
	for _, typ := range d.Projections {
		if err := platform.CheckProjection(p, string(typ)); err != nil {
			t.Error(err)
		}
	}
	if len(d.Projections) != len(p.Projections) {
		t.Errorf("projections %v, governed %v", d.Projections, p.Projections)
	}
	for _, s := range platform.Surfaces {
		if d.Surfaces[s] != p.Floor.Class(s) {
			t.Errorf("surface %s = %s, governed %s", s, d.Surfaces[s], p.Floor.Class(s))
		}
	}
	if len(d.Actions) != 0 {
		t.Errorf("actions %v: control is augmentation-only, through the agent", d.Actions)
	}
	for _, k := range d.IdentityKeys {
		if !resource.IsKeyKind(k) {
			t.Errorf("unknown identity key %s", k)
		}
	}
	if len(d.Augmentation) != 1 || d.Augmentation[0].Source != "agent" || !slices.Contains(d.Augmentation[0].Keys, resource.KeyClusterNode) {
		t.Errorf("augmentation = %+v", d.Augmentation)
	}
	c := sdktest.New(t, pve.New(hclog.NewNullLogger()))
	info, err := c.Info(context.Background())
	if err != nil || info.Declaration.PlatformId != "proxmox-pve" || info.Declaration.Watch {
		t.Fatalf("info = %v, %v", info, err)
	}
	schema, err := c.Schema(context.Background())
	if err != nil || len(schema) != len(pve.Schema) {
		t.Fatalf("schema = %v, %v", schema, err)
	}
	for _, a := range schema {
		if (a.Name == "token_secret" || a.Name == "password") != a.Sensitive {
			t.Errorf("attribute %s sensitive = %v", a.Name, a.Sensitive)
		}
	}
}
