package pve

import (
	"strconv"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// guestAttrs are the attributes of a vm or system-container: what the guest
// is and how it is configured. Values that move every cycle (CPU, memory and
// disk use, traffic and I/O counters, uptime) are metrics only: in the
// attributes they would make every running guest a changed record each
// cycle, rewritten to the store for nothing (the resource API serves the
// current metrics beside the attributes).
type guestAttrs struct {
	VMID        int     `json:"vmid"`
	Node        string  `json:"node"`
	PVEStatus   string  `json:"pve_status"`
	CPUs        float64 `json:"cpus"`
	MemoryTotal int64   `json:"memory_total_bytes"`
	DiskTotal   int64   `json:"disk_total_bytes"`
	Template    bool    `json:"template"`
	Pool        string  `json:"pool,omitempty"`
	HAState     string  `json:"ha_state,omitempty"`
	Lock        string  `json:"lock,omitempty"`
}

// guestID is a guest's native id: its vmid, unique in the cluster and kept
// across live migration, so the canonical id survives a move between nodes.
func guestID(vmid int) string { return strconv.Itoa(vmid) }

// projectGuests emits qemu guests as vm and lxc guests as system-container
// (runtime qemu or lxc), each running on its node.
func projectGuests(e *emitter, v *view) {
	for i := range v.guests {
		g := &v.guests[i]
		typ := resource.TypeVM
		if g.Type == "lxc" {
			typ = resource.TypeSystemContainer
		}
		id := guestID(g.VMID)
		node := v.members[g.Node]
		status := guestStatus(g.Status)
		if node == nil || !node.online {
			status = resource.StatusUnknown // its node cannot tell
		}
		a := guestAttrs{VMID: g.VMID, Node: g.Node, PVEStatus: g.Status, CPUs: g.MaxCPU,
			MemoryTotal: int64(g.MaxMem), DiskTotal: int64(g.MaxDisk),
			Template: bool(g.Template), Pool: g.Pool, HAState: g.HAState, Lock: g.Lock}
		top := topology(v, g.Node)
		if g.Pool != "" {
			top["pool"] = g.Pool
		}
		name := g.Name
		if name == "" {
			name = g.Type + "/" + id
		}
		// cluster-guest names the guest across sources (a Proxmox Backup
		// Server's snapshots of it); a standalone node stands for its cluster.
		scope := v.cluster
		if scope == "" {
			scope = g.Node
		}
		e.resource(sdk.Resource{Type: typ, NativeID: id, Name: name, Status: status, Topology: top,
			Identity: []resource.IdentityKey{{Kind: resource.KeyClusterGuest, Value: scope + "/" + id}},
			Tags:     splitTags(g.Tags), Runtime: g.Type}, a)
		e.rel(id, resource.RelRunsOn, nodeID(g.Node))
		if status == resource.StatusRunning {
			// Canonical names (core/resource/metrics.go). netin/netout and
			// diskread/diskwrite are PVE's cumulative byte counts since the
			// guest started: counters, reset by a guest restart.
			e.metric(id, "cpu_usage_ratio", g.CPU, "ratio")
			e.metric(id, "cpu_cores", g.MaxCPU, "count")
			e.metric(id, "memory_used_bytes", g.Mem, "bytes")
			e.metric(id, "memory_total_bytes", g.MaxMem, "bytes")
			if g.Type == "lxc" {
				// A VM's disk usage is always 0 here (PVE cannot see inside it).
				e.metric(id, "disk_used_bytes", g.Disk, "bytes")
			}
			e.metric(id, "disk_total_bytes", g.MaxDisk, "bytes")
			e.metric(id, "network_receive_bytes_total", g.NetIn, "bytes")
			e.metric(id, "network_transmit_bytes_total", g.NetOut, "bytes")
			e.metric(id, "disk_read_bytes_total", g.DiskRead, "bytes")
			e.metric(id, "disk_write_bytes_total", g.DiskWrite, "bytes")
			e.metric(id, "uptime_seconds", g.Uptime, "seconds")
		}
	}
}

func guestStatus(s string) resource.Status {
	switch s {
	case "running":
		return resource.StatusRunning
	case "stopped", "prelaunch":
		return resource.StatusStopped
	case "paused":
		return resource.StatusPaused
	case "suspended":
		return resource.StatusSuspended
	}
	return resource.StatusUnknown
}

// splitTags splits PVE's tag list (";" separated; "," and " " accepted).
func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}
