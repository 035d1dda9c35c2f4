package simlab

import (
	"github.com/vmware/govmomi/simulator"
)

// Memory sizes SizeMemory gives the lab's hosts and VMs.
const (
	LabHostMemory = 128 << 30 // bytes
	LabVMMemoryMB = 24 << 10  // MiB
)

// SizeMemory gives a created model's hosts and VMs memory sizes that fit the
// simulator's performance samples. vcsim reports mem.consumed from
// recordings of real hosts (tens of GB per host, several GB per VM) while
// its inventory has 4 GB hosts and 32 MB VMs, which made the lab's memory
// usage 1,000 to 28,000 %. Call it before serving the model.
func SizeMemory(m *simulator.Model) {
	reg := m.Map()
	for _, ref := range reg.All("HostSystem") {
		h, ok := ref.(*simulator.HostSystem)
		if !ok {
			continue
		}
		if h.Summary.Hardware != nil {
			h.Summary.Hardware.MemorySize = LabHostMemory
		}
		if h.Hardware != nil {
			h.Hardware.MemorySize = LabHostMemory
		}
	}
	for _, ref := range reg.All("VirtualMachine") {
		vm, ok := ref.(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		vm.Summary.Config.MemorySizeMB = LabVMMemoryMB
		if vm.Config != nil && vm.Config.Hardware.MemoryMB > 0 {
			vm.Config.Hardware.MemoryMB = LabVMMemoryMB
		}
	}
}
