package config_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/pbs"
	"github.com/pulsehost/pulse/plugins/proxmox-pmg/pmg"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/vsphere"
)

// shipped are the plugins this repository builds, by platform id.
var shipped = map[string]struct {
	decl   sdk.Declaration
	schema sdk.Schema
	watch  bool
}{
	"proxmox-pve":    {pve.Declaration, pve.Schema, false},
	"proxmox-pbs":    {pbs.Declaration, pbs.Schema, false},
	"proxmox-pmg":    {pmg.Declaration, pmg.Schema, false},
	"vmware-vsphere": {vsphere.Declaration, vsphere.Schema, true},
	"truenas":        {truenas.Declaration, truenas.Schema, true},
}

// examplesDir holds the configuration operators copy.
const examplesDir = "../../../examples"

var envRef = regexp.MustCompile(`env\("([A-Za-z0-9_]+)"\)`)

// TestExamplesParse parses every example, decoding each connection block
// against the schema its shipped plugin declares.
func TestExamplesParse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range envRef.FindAllStringSubmatch(string(src), -1) {
				t.Setenv(m[1], "example-"+m[1])
			}
			cfg, err := config.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cfg.Connections {
				p, ok := shipped[c.Platform]
				if !ok {
					t.Fatalf("%s: connection %q %q: no plugin for %s is built in this repository", f, c.Platform, c.Name, c.Platform)
				}
				if _, err := c.Decode(p.schema); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
		})
	}
	for id := range shipped {
		if _, err := os.Stat(filepath.Join(examplesDir, id+".hcl")); err != nil {
			t.Errorf("plugin %s ships without examples/%s.hcl", id, id)
		}
	}
}
