package vsphere

import (
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// maxDepth bounds parent walks (a corrupt parent cycle must not hang us).
const maxDepth = 64

// parentNode returns the node above ref and whether there is one.
func (inv *inventory) parentOf(ref types.ManagedObjectReference) (types.ManagedObjectReference, bool) {
	var p types.ManagedObjectReference
	switch ref.Type {
	case "HostSystem":
		if h := inv.hosts[ref]; h != nil && h.Parent != nil {
			p = *h.Parent
		}
	case "VirtualMachine":
		if vm := inv.vms[ref]; vm != nil && vm.Parent != nil {
			p = *vm.Parent
		}
	case "Datastore":
		if ds := inv.datastores[ref]; ds != nil && ds.Parent != nil {
			p = *ds.Parent
		}
	default:
		p = inv.nodes[ref].parent
	}
	return p, p.Value != ""
}

// datacenter returns the name of the datacenter holding ref.
func (inv *inventory) datacenter(ref types.ManagedObjectReference) string {
	for range maxDepth {
		p, ok := inv.parentOf(ref)
		if !ok {
			return ""
		}
		if n := inv.nodes[p]; n.typ == "Datacenter" {
			return n.name
		}
		ref = p
	}
	return ""
}

// path returns the names from the datacenter (exclusive) down to ref
// (inclusive), joined by "/", e.g. "vm/Production".
func (inv *inventory) path(ref types.ManagedObjectReference) string {
	var names []string
	for range maxDepth {
		n, ok := inv.nodes[ref]
		if !ok || n.typ == "Datacenter" {
			break
		}
		names = append(names, n.name)
		ref = n.parent
	}
	slices.Reverse(names)
	return strings.Join(names, "/")
}

// poolPath returns a resource pool's path from its root pool ("Resources",
// "Resources/Prod").
func (inv *inventory) poolPath(ref types.ManagedObjectReference) string {
	var names []string
	for range maxDepth {
		n, ok := inv.nodes[ref]
		if !ok || (n.typ != "ResourcePool" && n.typ != "VirtualApp") {
			break
		}
		names = append(names, n.name)
		ref = n.parent
	}
	slices.Reverse(names)
	return strings.Join(names, "/")
}

// cluster returns the cluster name of a host, "" for a standalone host.
func (inv *inventory) cluster(host types.ManagedObjectReference) string {
	h := inv.hosts[host]
	if h == nil || h.Parent == nil {
		return ""
	}
	if n := inv.nodes[*h.Parent]; n.typ == "ClusterComputeResource" {
		return n.name
	}
	return ""
}

// hostStatus maps connection, power and maintenance state to a status.
func hostStatus(h *mo.HostSystem) resource.Status {
	switch {
	case h.Runtime.InMaintenanceMode:
		return resource.StatusMaintenance
	case h.Runtime.ConnectionState != "" && h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected:
		return resource.StatusOffline
	case h.Runtime.PowerState == types.HostSystemPowerStatePoweredOn:
		return resource.StatusOnline
	case h.Runtime.PowerState == types.HostSystemPowerStatePoweredOff, h.Runtime.PowerState == types.HostSystemPowerStateStandBy:
		return resource.StatusOffline
	}
	return resource.StatusUnknown
}

// vmStatus maps power and connection state to a status.
func vmStatus(vm *mo.VirtualMachine) resource.Status {
	if cs := vm.Runtime.ConnectionState; cs != "" && cs != types.VirtualMachineConnectionStateConnected {
		return resource.StatusUnknown
	}
	switch vm.Runtime.PowerState {
	case types.VirtualMachinePowerStatePoweredOn:
		return resource.StatusRunning
	case types.VirtualMachinePowerStatePoweredOff:
		return resource.StatusStopped
	case types.VirtualMachinePowerStateSuspended:
		return resource.StatusSuspended
	}
	return resource.StatusUnknown
}

// hostResource projects an ESXi host as a canonical agent.
func (inv *inventory) hostResource(ref types.ManagedObjectReference) sdk.Resource {
	h := inv.hosts[ref]
	r := sdk.Resource{
		Type: resource.TypeAgent, NativeID: ref.Value, Name: h.Name, Status: hostStatus(h),
		Runtime: "esxi", Topology: map[string]string{},
	}
	setTopo(r.Topology, "datacenter", inv.datacenter(ref))
	setTopo(r.Topology, "cluster", inv.cluster(ref))
	attrs := map[string]any{
		"connection_state": string(h.Runtime.ConnectionState),
		"power_state":      string(h.Runtime.PowerState),
		"maintenance_mode": h.Runtime.InMaintenanceMode,
		"overall_status":   string(h.OverallStatus),
		"datastore_count":  len(h.Datastore),
	}
	if hw := h.Summary.Hardware; hw != nil {
		r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyHostHardwareUUID, Value: hw.Uuid})
		attrs["vendor"], attrs["model"], attrs["cpu_model"] = hw.Vendor, hw.Model, hw.CpuModel
		attrs["cpu_cores"], attrs["cpu_threads"], attrs["cpu_packages"] = hw.NumCpuCores, hw.NumCpuThreads, hw.NumCpuPkgs
		attrs["cpu_mhz"] = hw.CpuMhz
		attrs["cpu_capacity_mhz"] = int64(hw.CpuMhz) * int64(hw.NumCpuCores)
		attrs["memory_bytes"] = hw.MemorySize
	}
	qs := h.Summary.QuickStats
	attrs["cpu_usage_mhz"] = qs.OverallCpuUsage
	attrs["memory_usage_bytes"] = int64(qs.OverallMemoryUsage) << 20
	attrs["uptime_seconds"] = qs.Uptime
	if p := h.Summary.Config.Product; p != nil {
		attrs["product"], attrs["version"], attrs["build"] = p.FullName, p.Version, p.Build
	}
	if h.Runtime.BootTime != nil {
		attrs["boot_time"] = h.Runtime.BootTime.UTC().Format(time.RFC3339)
	}
	hostname := ""
	if h.Config != nil && h.Config.Network != nil && h.Config.Network.DnsConfig != nil {
		if d := h.Config.Network.DnsConfig.GetHostDnsConfig(); d != nil && d.HostName != "" {
			hostname = d.HostName
			if d.DomainName != "" {
				hostname += "." + d.DomainName
			}
		}
	}
	if ip := net.ParseIP(h.Name); ip != nil {
		r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyIP, Value: ip.String()})
	} else if hostname == "" {
		hostname = h.Name
	}
	if hostname != "" {
		r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyHostname, Value: hostname})
		attrs["hostname"] = hostname
	}
	r.Attributes = attrs
	return r
}

// vmResource projects a VM, with its runs-on and stored-on relationships.
func (inv *inventory) vmResource(ref types.ManagedObjectReference) (sdk.Resource, []sdk.Relationship) {
	vm := inv.vms[ref]
	r := sdk.Resource{
		Type: resource.TypeVM, NativeID: ref.Value, Name: vm.Name, Status: vmStatus(vm),
		Topology: map[string]string{},
	}
	setTopo(r.Topology, "datacenter", inv.datacenter(ref))
	var rels []sdk.Relationship
	if h := vm.Runtime.Host; h != nil {
		if host := inv.hosts[*h]; host != nil {
			setTopo(r.Topology, "host", host.Name)
			setTopo(r.Topology, "cluster", inv.cluster(*h))
			rels = append(rels, sdk.Relationship{From: ref.Value, Kind: resource.RelRunsOn, To: h.Value})
		}
	}
	if vm.ResourcePool != nil {
		setTopo(r.Topology, "resource_pool", inv.poolPath(*vm.ResourcePool))
	}
	if vm.Parent != nil {
		setTopo(r.Topology, "folder", inv.path(*vm.Parent))
	}
	for _, ds := range vm.Datastore {
		if _, ok := inv.datastores[ds]; ok {
			rels = append(rels, sdk.Relationship{From: ref.Value, Kind: resource.RelStoredOn, To: ds.Value})
		}
	}
	attrs := map[string]any{
		"power_state":      string(vm.Runtime.PowerState),
		"connection_state": string(vm.Runtime.ConnectionState),
		"overall_status":   string(vm.OverallStatus),
	}
	c := vm.Summary.Config
	if c.InstanceUuid != "" {
		r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyVMInstanceUUID, Value: c.InstanceUuid})
	}
	if c.Uuid != "" {
		r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyVMBIOSUUID, Value: c.Uuid})
	}
	attrs["template"] = c.Template
	attrs["guest_os"] = c.GuestFullName
	attrs["hardware_version"] = c.HwVersion
	attrs["num_cpu"] = c.NumCpu
	attrs["memory_bytes"] = int64(c.MemorySizeMB) << 20
	if c.Template {
		r.Tags = append(r.Tags, "template")
	}
	if vm.Runtime.BootTime != nil {
		attrs["boot_time"] = vm.Runtime.BootTime.UTC().Format(time.RFC3339)
	}
	if g := vm.Summary.Guest; g != nil {
		if g.ToolsRunningStatus != "" {
			attrs["tools_running_status"] = g.ToolsRunningStatus
		}
		if g.ToolsVersionStatus2 != "" {
			attrs["tools_version_status"] = g.ToolsVersionStatus2
		}
		if g.GuestFullName != "" {
			attrs["guest_os"] = g.GuestFullName
		}
		if g.HostName != "" {
			attrs["hostname"] = g.HostName
			r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyHostname, Value: g.HostName})
		}
	}
	if ips := guestIPs(vm); len(ips) > 0 {
		attrs["ip_addresses"] = ips
		for _, ip := range ips {
			r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyIP, Value: ip})
		}
	}
	qs := vm.Summary.QuickStats
	attrs["quick_stats"] = map[string]any{
		"overall_cpu_usage_mhz":     qs.OverallCpuUsage,
		"overall_cpu_demand_mhz":    qs.OverallCpuDemand,
		"guest_memory_usage_bytes":  int64(qs.GuestMemoryUsage) << 20,
		"host_memory_usage_bytes":   int64(qs.HostMemoryUsage) << 20,
		"ballooned_memory_bytes":    int64(qs.BalloonedMemory) << 20,
		"swapped_memory_bytes":      int64(qs.SwappedMemory) << 20,
		"uptime_seconds":            qs.UptimeSeconds,
		"guest_heartbeat_status":    string(qs.GuestHeartbeatStatus),
		"consumed_overhead_mem_mib": qs.ConsumedOverheadMemory,
	}
	if s := vm.Summary.Storage; s != nil {
		attrs["storage"] = map[string]any{
			"committed_bytes": s.Committed, "uncommitted_bytes": s.Uncommitted, "unshared_bytes": s.Unshared,
		}
	}
	if s := vm.Snapshot; s != nil && len(s.RootSnapshotList) > 0 {
		attrs["snapshots"] = snapshotTree(s.RootSnapshotList)
		if s.CurrentSnapshot != nil {
			attrs["current_snapshot"] = s.CurrentSnapshot.Value
		}
		attrs["snapshot_count"] = countSnapshots(s.RootSnapshotList)
	}
	r.Attributes = attrs
	return r, rels
}

// snapshotTree renders the snapshot tree, nested, oldest first.
func snapshotTree(list []types.VirtualMachineSnapshotTree) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, s := range list {
		n := map[string]any{
			"name": s.Name, "id": s.Id, "ref": s.Snapshot.Value,
			"created": s.CreateTime.UTC().Format(time.RFC3339), "state": string(s.State),
			"quiesced": s.Quiesced,
		}
		if s.Description != "" {
			n["description"] = s.Description
		}
		if len(s.ChildSnapshotList) > 0 {
			n["children"] = snapshotTree(s.ChildSnapshotList)
		}
		out = append(out, n)
	}
	return out
}

func countSnapshots(list []types.VirtualMachineSnapshotTree) int {
	n := len(list)
	for _, s := range list {
		n += countSnapshots(s.ChildSnapshotList)
	}
	return n
}

// guestIPs returns the guest's addresses, without loopback and link-local
// ones (they identify nothing), sorted.
func guestIPs(vm *mo.VirtualMachine) []string {
	seen := map[string]bool{}
	add := func(s string) {
		ip := net.ParseIP(s)
		if ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
			return
		}
		seen[ip.String()] = true
	}
	if g := vm.Summary.Guest; g != nil {
		add(g.IpAddress)
	}
	if vm.Guest != nil {
		for _, n := range vm.Guest.Net {
			for _, a := range n.IpAddress {
				add(a)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// datastoreResource projects a datastore as canonical storage.
func (inv *inventory) datastoreResource(ref types.ManagedObjectReference) sdk.Resource {
	ds := inv.datastores[ref]
	s := ds.Summary
	r := sdk.Resource{
		Type: resource.TypeStorage, NativeID: ref.Value, Name: ds.Name, Status: resource.StatusOnline,
		Topology: map[string]string{},
	}
	switch {
	case !s.Accessible:
		r.Status = resource.StatusOffline
	case s.MaintenanceMode == string(types.DatastoreSummaryMaintenanceModeStateInMaintenance):
		r.Status = resource.StatusMaintenance
	}
	setTopo(r.Topology, "datacenter", inv.datacenter(ref))
	if ds.Parent != nil {
		if n := inv.nodes[*ds.Parent]; n.typ == "StoragePod" {
			setTopo(r.Topology, "datastore_cluster", n.name)
		}
	}
	var hosts []map[string]any
	var names []string
	clusters := map[string]bool{}
	for _, m := range ds.Host {
		h := inv.hosts[m.Key]
		if h == nil {
			continue
		}
		e := map[string]any{"id": m.Key.Value, "name": h.Name}
		if m.MountInfo.Mounted != nil {
			e["mounted"] = *m.MountInfo.Mounted
		}
		if m.MountInfo.Accessible != nil {
			e["accessible"] = *m.MountInfo.Accessible
		}
		if m.MountInfo.AccessMode != "" {
			e["access_mode"] = m.MountInfo.AccessMode
		}
		hosts = append(hosts, e)
		names = append(names, h.Name)
		clusters[inv.cluster(m.Key)] = true
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i]["name"].(string) < hosts[j]["name"].(string) })
	sort.Strings(names)
	setTopo(r.Topology, "hosts", strings.Join(names, ","))
	if len(clusters) == 1 {
		for c := range clusters {
			setTopo(r.Topology, "cluster", c)
		}
	}
	attrs := map[string]any{
		"type": s.Type, "url": s.Url, "accessible": s.Accessible,
		"capacity_bytes": s.Capacity, "free_bytes": s.FreeSpace, "used_bytes": s.Capacity - s.FreeSpace,
		"uncommitted_bytes": s.Uncommitted, "maintenance_mode": s.MaintenanceMode,
		"host_count": len(hosts), "hosts": hosts, "vm_count": len(ds.Vm),
		"overall_status": string(ds.OverallStatus),
	}
	if s.MultipleHostAccess != nil {
		attrs["multiple_host_access"] = *s.MultipleHostAccess
	}
	r.Attributes = attrs
	return r
}

func setTopo(t map[string]string, k, v string) {
	if v != "" {
		t[k] = v
	}
}
