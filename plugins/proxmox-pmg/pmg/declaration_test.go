package pmg_test

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/proxmox-pmg/pmg"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

// TestDeclarationIsGoverned checks the declaration, as it crosses the wire,
// against the governed model (the core's governance check runs on it in
// core/internal/daemon's hybrid tests too): the same row, no
// more projections or surfaces than admitted, read-only control with no
// actions, known identity keys, and secrets marked sensitive.
func TestDeclarationIsGoverned(t *testing.T) {
	c := sdktest.New(t, pmg.New(hclog.NewNullLogger()))
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := pmg.Declaration
	p, ok := platform.Lookup(d.Platform)
	if !ok || !p.Supported() || info.Declaration.PlatformId != string(d.Platform) {
		t.Fatalf("platform %s is not a supported governed platform", d.Platform)
	}
	if d.Family != p.Family || d.Mode != p.Mode || d.Onboarding != p.Onboarding {
		t.Errorf("family/mode/onboarding differ from the model")
	}
	for _, typ := range d.Projections {
		if err := platform.CheckProjection(p, string(typ)); err != nil {
			t.Error(err)
		}
	}
	for _, k := range d.IdentityKeys {
		if !resource.IsKeyKind(k) {
			t.Errorf("unknown identity key %s", k)
		}
	}
	for _, a := range d.Augmentation {
		if p.Augmentation == nil || string(a.Source) != string(p.Augmentation.Source) || platform.AgentMergesInto(p) != string(a.ResourceType) {
			t.Errorf("augmentation %+v does not match the model's %+v", a, p.Augmentation)
		}
	}
	for _, s := range platform.Surfaces {
		if d.Surfaces[s] != p.Floor.Class(s) {
			t.Errorf("surface %s = %s, governed %s", s, d.Surfaces[s], p.Floor.Class(s))
		}
	}
	if len(d.Projections) != len(p.Projections) {
		t.Errorf("projections %v, governed %v", d.Projections, p.Projections)
	}
	if d.Surfaces[platform.SurfaceAssistantControl] != platform.ClassReadOnly || len(d.Actions) != 0 {
		t.Errorf("control %s with actions %v", d.Surfaces[platform.SurfaceAssistantControl], d.Actions)
	}
	schema, err := c.Schema(context.Background())
	if err != nil || len(schema) != len(pmg.Schema) {
		t.Fatalf("schema = %v, %v", schema, err)
	}
	for _, a := range schema {
		if (a.Name == "token_secret" || a.Name == "password") != a.Sensitive {
			t.Errorf("attribute %s sensitive = %v", a.Name, a.Sensitive)
		}
	}
}
