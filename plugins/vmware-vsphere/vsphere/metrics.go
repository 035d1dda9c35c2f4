package vsphere

import (
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// inventoryMetrics are the canonical metrics the inventory itself carries,
// emitted with every Collect (the realtime gather adds usage and I/O):
// memory_total_bytes and cpu_cores of connected hosts and powered-on VMs
// (so memory_usage_ratio is computable), host uptime_seconds, and the
// capacity of accessible datastores.
func inventoryMetrics(inv *inventory) []sdk.Metric {
	var out []sdk.Metric
	add := func(ref types.ManagedObjectReference, name, unit string, v float64) {
		out = append(out, sdk.Metric{Resource: ref.Value, Name: name, Unit: unit, Value: v})
	}
	for _, r := range sortedRefs(inv.hosts) {
		h := inv.hosts[r]
		if h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
			continue
		}
		if hw := h.Summary.Hardware; hw != nil {
			add(r, "memory_total_bytes", "bytes", float64(hw.MemorySize))
			add(r, "cpu_cores", "count", float64(hw.NumCpuThreads))
		}
		if up := h.Summary.QuickStats.Uptime; up > 0 {
			add(r, "uptime_seconds", "seconds", float64(up))
		}
	}
	for _, r := range sortedRefs(inv.datastores) {
		s := inv.datastores[r].Summary
		if !s.Accessible || s.Capacity <= 0 {
			continue
		}
		add(r, "storage_total_bytes", "bytes", float64(s.Capacity))
		add(r, "storage_used_bytes", "bytes", float64(s.Capacity-s.FreeSpace))
		add(r, "storage_available_bytes", "bytes", float64(s.FreeSpace))
	}
	for _, r := range sortedRefs(inv.vms) {
		vm := inv.vms[r]
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			continue
		}
		c := vm.Summary.Config
		if c.MemorySizeMB > 0 {
			add(r, "memory_total_bytes", "bytes", float64(int64(c.MemorySizeMB)<<20))
		}
		if c.NumCpu > 0 {
			add(r, "cpu_cores", "count", float64(c.NumCpu))
		}
		if up := vm.Summary.QuickStats.UptimeSeconds; up > 0 {
			add(r, "uptime_seconds", "seconds", float64(up))
		}
	}
	return out
}
