package platform

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func ids(ps []Platform) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.ID))
	}
	return out
}

func TestClassificationMatchesSeed(t *testing.T) {
	if got, want := ids(FirstClass()), []string{"agent", "docker", "kubernetes", "proxmox-pve", "proxmox-pbs", "proxmox-pmg", "truenas"}; !slices.Equal(got, want) {
		t.Errorf("first-class = %v, want %v", got, want)
	}
	if got := ids(Admitted()); !slices.Equal(got, []string{"vmware-vsphere"}) {
		t.Errorf("admitted = %v", got)
	}
	if got, want := ids(PresentationOnly()), []string{"unraid", "synology-dsm", "microsoft-hyperv", "aws", "azure", "gcp"}; !slices.Equal(got, want) {
		t.Errorf("presentation-only = %v, want %v", got, want)
	}
	if got := ids(HybridCapable()); !slices.Equal(got, []string{"proxmox-pve", "proxmox-pbs", "truenas"}) {
		t.Errorf("hybrid-capable = %v", got)
	}
}

func TestSupportRowsMatchSeed(t *testing.T) {
	// The seed's support matrix, column order setup..assistant-control.
	want := map[ID]string{
		"agent":          "supported supported n/a supported n/a supported supported supported",
		"docker":         "supported supported supported n/a n/a supported supported supported",
		"kubernetes":     "supported supported supported n/a supported supported supported supported",
		"proxmox-pve":    "supported supported supported supported supported supported supported augmentation-only",
		"proxmox-pbs":    "supported supported n/a supported supported supported supported read-only",
		"proxmox-pmg":    "supported supported n/a n/a n/a supported supported read-only",
		"truenas":        "supported supported supported supported supported supported supported supported",
		"vmware-vsphere": "supported supported supported supported n/a supported supported read-only",
	}
	for id, row := range want {
		p, _ := Lookup(id)
		var got []string
		for _, s := range Surfaces {
			got = append(got, string(p.Floor.Class(s)))
		}
		if strings.Join(got, " ") != row {
			t.Errorf("%s floor = %v, want %s", id, got, row)
		}
	}
}

func TestProjectionsMatchSeed(t *testing.T) {
	want := map[ID]string{
		"agent":          "agent storage physical-disk",
		"docker":         "agent app-container docker-service",
		"kubernetes":     "k8s-cluster k8s-node pod k8s-deployment",
		"proxmox-pve":    "agent vm system-container storage ceph physical-disk",
		"proxmox-pbs":    "pbs storage",
		"proxmox-pmg":    "pmg",
		"truenas":        "agent app-container storage physical-disk",
		"vmware-vsphere": "agent vm storage",
	}
	for id, w := range want {
		p, _ := Lookup(id)
		if got := strings.Join(p.Projections, " "); got != w {
			t.Errorf("%s projections = %q, want %q", id, got, w)
		}
		for _, typ := range p.Projections {
			if err := CheckProjection(p, typ); err != nil {
				t.Errorf("model's own projection refused: %v", err)
			}
		}
	}
}

func TestSupportedOnlyWhenEveryApplicableSurfaceIsSupportedOrNA(t *testing.T) {
	base := func() Platform {
		p, _ := Lookup("proxmox-pmg")
		f := *p.Floor
		f.Classes = map[Surface]Class{}
		for k, v := range p.Floor.Classes {
			f.Classes[k] = v
		}
		p.Floor = &f
		return p
	}
	tests := []struct {
		name   string
		mutate func(p *Platform)
		want   bool
	}{
		{"seed row", func(*Platform) {}, true},
		{"visibility read-only", func(p *Platform) { p.Floor.Classes[SurfaceVisibility] = ClassReadOnly }, false},
		{"alerts unsupported", func(p *Platform) { p.Floor.Classes[SurfaceAlerts] = ClassUnsupported }, false},
		{"alerts blank", func(p *Platform) { delete(p.Floor.Classes, SurfaceAlerts) }, false},
		{"workloads augmentation-only", func(p *Platform) { p.Floor.Classes[SurfaceWorkloads] = ClassAugmentationOnly }, false},
		{"control augmentation-only is explicit", func(p *Platform) { p.Floor.Classes[SurfaceAssistantControl] = ClassAugmentationOnly }, true},
		{"control n/a is explicit", func(p *Platform) { p.Floor.Classes[SurfaceAssistantControl] = ClassNotApplicable }, true},
		{"control unsupported is not one of the four", func(p *Platform) { p.Floor.Classes[SurfaceAssistantControl] = ClassUnsupported }, false},
		{"control blank", func(p *Platform) { delete(p.Floor.Classes, SurfaceAssistantControl) }, false},
		{"first-lab-ready never supported", func(p *Platform) { p.Readiness = ReadinessFirstLabReady }, false},
		{"architecture-locked never supported", func(p *Platform) { p.Readiness = ReadinessArchitectureLocked }, false},
		{"admitted never supported", func(p *Platform) { p.Admission = AdmissionAdmitted }, false},
		{"presentation-only never supported", func(p *Platform) { p.Admission = AdmissionPresentationOnly }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.mutate(&p)
			if got := p.Supported(); got != tt.want {
				_, why := p.Floor.Complete()
				t.Fatalf("Supported() = %v, want %v (%s)", got, tt.want, why)
			}
		})
	}
}

func TestOnlySupportedChangesTheMatrix(t *testing.T) {
	m := BuildManifest()
	if slices.Contains(m.Supported, "vmware-vsphere") {
		t.Fatal("vmware-vsphere listed as supported")
	}
	for _, e := range m.Platforms {
		if e.ID == "vmware-vsphere" {
			if e.State != "admitted" || e.Floor != nil || e.ProposedFloor == nil {
				t.Fatalf("vmware-vsphere manifest entry = %+v, want admitted with a proposed floor only", e)
			}
		}
		if e.State == "supported" && e.Readiness != ReadinessSupported {
			t.Fatalf("%s supported at readiness %s", e.ID, e.Readiness)
		}
	}
	for _, p := range All() {
		if p.Admission == AdmissionPresentationOnly && p.Supported() {
			t.Fatalf("presentation-only %s counts as support", p.ID)
		}
	}
}

func TestProviderLocalTypesRefused(t *testing.T) {
	pve, _ := Lookup("proxmox-pve")
	pbs, _ := Lookup("proxmox-pbs")
	vs, _ := Lookup("vmware-vsphere")
	for _, c := range []struct {
		p    Platform
		typ  string
		want string
	}{
		{vs, "esxi-host", "not canonical"},
		{vs, "vsphere-vm", "not canonical"},
		{vs, "vsphere-cluster", "not canonical"},
		{pve, "pbs", "reserved for proxmox-pbs"},
		{vs, "physical-disk", "does not project"},
		{pbs, "pbs", ""},
	} {
		err := CheckProjection(c.p, c.typ)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckProjection(%s, %s) = %v, want %q", c.p.ID, c.typ, err, c.want)
		}
	}
}

func TestConnectionPlatformValidation(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"proxmox-pve", ""},
		{"vmware-vsphere", ""},
		{"esxi", "unknown platform id"},
		{"aws", "presentation-only"},
		{"docker", "not a connection block"},
		{"podman", "unknown platform id"}, // a runtime variant, not a platform
	} {
		err := ValidateConnectionPlatform(c.id)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.id, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "proxmox-pbs, proxmox-pmg, proxmox-pve, truenas, vmware-vsphere") {
			t.Errorf("%s: error does not list the valid ids: %v", c.id, err)
		}
	}
}

func TestRuntimeVariantsAreNotPlatforms(t *testing.T) {
	for _, v := range []string{"podman", "qemu", "lxc"} {
		if _, ok := Lookup(ID(v)); ok {
			t.Errorf("runtime variant %s is a platform id", v)
		}
	}
	d, _ := Lookup("docker")
	pve, _ := Lookup("proxmox-pve")
	if !slices.Contains(d.RuntimeVariants, "podman") || !slices.Equal(pve.RuntimeVariants, []string{"qemu", "lxc"}) {
		t.Fatal("runtime variants missing")
	}
	if Normalize("Podman") != "docker" || Normalize("PVE") != "proxmox-pve" {
		t.Fatal("normalization")
	}
}

func TestManifestIsFresh(t *testing.T) {
	want, err := ManifestJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../PLATFORM_SUPPORT_MANIFEST.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("PLATFORM_SUPPORT_MANIFEST.json is stale: run `go generate ./core/platform` and commit it")
	}
}

func TestReadmeMatrixIsFresh(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, ok := SpliceMatrix(string(doc))
	if !ok {
		t.Fatal("README.md lacks the generated support matrix markers")
	}
	if want != string(doc) {
		t.Fatal("README.md's support matrix is stale: run `go generate ./core/platform` and commit it")
	}
}

func TestReadmeMetricVocabularyIsFresh(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, ok := SpliceMetrics(string(doc))
	if !ok {
		t.Fatal("README.md lacks the generated metric vocabulary markers")
	}
	if want != string(doc) {
		t.Fatal("README.md's metric vocabulary is stale: run `go generate ./core/platform` and commit it")
	}
}
