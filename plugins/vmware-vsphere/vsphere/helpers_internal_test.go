package vsphere

import (
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func nullLogger() hclog.Logger { return hclog.NewNullLogger() }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func vmFor(p types.VirtualMachinePowerState, c types.VirtualMachineConnectionState) *mo.VirtualMachine {
	vm := &mo.VirtualMachine{}
	vm.Runtime.PowerState = p
	vm.Runtime.ConnectionState = c
	return vm
}
