package governance_test

import (
	"testing"

	"github.com/pulsehost/pulse/core/internal/governance"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/vsphere"
)

// TestShippedPluginsPassGovernance checks every plugin this repository builds
// against the governed model, as the core does when it launches them.
func TestShippedPluginsPassGovernance(t *testing.T) {
	for id, d := range map[string]sdk.Declaration{"proxmox-pve": pve.Declaration, "vmware-vsphere": vsphere.Declaration, "truenas": truenas.Declaration} {
		if string(d.Platform) != id {
			t.Fatalf("%s declares platform %s", id, d.Platform)
		}
		if _, probs := governance.Check(d.Proto(true)); len(probs) > 0 {
			t.Errorf("%s: %v", id, probs)
		}
	}
}
