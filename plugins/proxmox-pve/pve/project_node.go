package pve

import (
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// nodeAttrs are the attributes of a node's agent resource. CPU and memory
// use and uptime are metrics only (see guestAttrs).
type nodeAttrs struct {
	PlatformType string `json:"platformType"`
	Cluster      string `json:"cluster,omitempty"`
	Node         string `json:"node"`
	Online       bool   `json:"online"`
	IP           string `json:"ip,omitempty"`
	CorosyncID   int    `json:"corosync_node_id,omitempty"`
	CPUs         int    `json:"cpus,omitempty"`
	CPUModel     string `json:"cpu_model,omitempty"`
	MemoryTotal  int64  `json:"memory_total_bytes,omitempty"`
	PVEVersion   string `json:"pve_version,omitempty"`
	Kernel       string `json:"kernel,omitempty"`
	BootMode     string `json:"boot_mode,omitempty"`
	Subscription string `json:"subscription_level,omitempty"`
}

// projectNodes emits each node as an agent resource with platformType
// proxmox-pve. Its identity is cluster-node "<cluster>/<node>" (strong; a
// pulse-agent on the node reports the same value, and the two merge into
// one hybrid resource) and hostname (weak, never merges alone). A
// standalone node has no cluster name, so it carries the hostname only.
func projectNodes(e *emitter, v *view) {
	for _, n := range v.nodes {
		id := nodeID(n.name)
		a := nodeAttrs{PlatformType: "proxmox-pve", Cluster: v.cluster, Node: n.name, Online: n.online,
			IP: n.ip, CorosyncID: n.nodeID, Subscription: n.level}
		status := resource.StatusOffline
		if n.online {
			status = resource.StatusOnline
		} else if n.res != nil && n.res.Status == "unknown" {
			status = resource.StatusUnknown
		}
		if r := n.res; r != nil && n.online {
			a.CPUs, a.MemoryTotal = int(r.MaxCPU), int64(r.MaxMem)
			if a.Subscription == "" {
				a.Subscription = r.Level
			}
			e.metric(id, "cpu_usage_ratio", r.CPU, "ratio")
			e.metric(id, "cpu_cores", r.MaxCPU, "count")
			e.metric(id, "memory_used_bytes", r.Mem, "bytes")
			e.metric(id, "memory_total_bytes", r.MaxMem, "bytes")
			if r.MaxDisk > 0 { // the node's root filesystem
				e.metric(id, "disk_used_bytes", r.Disk, "bytes")
				e.metric(id, "disk_total_bytes", r.MaxDisk, "bytes")
			}
			e.metric(id, "uptime_seconds", r.Uptime, "seconds")
		}
		if info, ok := v.slow.nodeInfo[n.name]; ok {
			a.PVEVersion, a.CPUModel, a.Kernel, a.BootMode = info.version(), info.CPUInfo.Model, info.Kernel.Release, info.BootInfo.Mode
		}
		ident := []resource.IdentityKey{{Kind: resource.KeyHostname, Value: n.name}}
		if v.cluster != "" {
			ident = append([]resource.IdentityKey{{Kind: resource.KeyClusterNode, Value: v.cluster + "/" + n.name}}, ident...)
		}
		e.resource(sdk.Resource{Type: resource.TypeAgent, NativeID: id, Name: n.name, Status: status,
			Identity: ident, Topology: topology(v, n.name)}, a)
	}
}
