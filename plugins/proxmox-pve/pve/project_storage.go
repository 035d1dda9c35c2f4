package pve

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// sharedTypes are storage plugins that are shared by nature; used only
// until the slow pass has read the storage's own shared flag.
var sharedTypes = map[string]bool{
	"nfs": true, "cifs": true, "rbd": true, "cephfs": true, "pbs": true, "glusterfs": true,
	"iscsi": true, "iscsidirect": true, "esxi": true,
}

// storageAttrs are the attributes of a storage resource.
type storageAttrs struct {
	Storage  string   `json:"storage"`
	Type     string   `json:"type"`
	Content  []string `json:"content"`
	Shared   bool     `json:"shared"`
	Enabled  bool     `json:"enabled"`
	Active   bool     `json:"active"`
	Used     int64    `json:"used_bytes"`
	Total    int64    `json:"total_bytes"`
	Node     string   `json:"node,omitempty"`
	Nodes    []string `json:"nodes,omitempty"`
	Inactive []string `json:"inactive_on,omitempty"`
}

// storageAgg is one storage resource built from per-node entries.
type storageAgg struct {
	id, name, typ, content string
	shared, enabled        bool
	used, total            int64
	nodes, active, down    []string // nodes holding it; where active; where not (node online)
	unknown                []string // nodes that are offline
}

// projectStorage emits one storage resource per shared storage and one per
// node for local storages, from /cluster/resources entries plus the slow
// pass's per-node storage status (enabled flags, disabled storages).
func projectStorage(e *emitter, v *view) {
	aggs := map[string]*storageAgg{}
	flags := sharedFlags(v)
	get := func(node, name, typ, content string) *storageAgg {
		shared, known := flags[name]
		if !known {
			shared = sharedTypes[typ]
		}
		id := storageID(node, name, shared)
		a := aggs[id]
		if a == nil {
			a = &storageAgg{id: id, name: name, typ: typ, content: content, shared: shared, enabled: true}
			aggs[id] = a
		}
		return a
	}
	for i := range v.stores {
		s := &v.stores[i]
		a := get(s.Node, s.Storage, s.PluginType, s.Content)
		a.nodes = append(a.nodes, s.Node)
		n := v.members[s.Node]
		switch {
		case n == nil || !n.online:
			a.unknown = append(a.unknown, s.Node)
		case s.Status == "available":
			a.active = append(a.active, s.Node)
			if a.total == 0 {
				a.used, a.total = int64(s.Disk), int64(s.MaxDisk)
			}
		default:
			a.down = append(a.down, s.Node)
		}
	}
	// Disabled storages are absent from /cluster/resources; the slow pass
	// still sees them.
	for _, n := range v.nodes {
		for _, s := range v.slow.storage[n.name] {
			if bool(s.Enabled) {
				continue
			}
			a := get(n.name, s.Storage, s.Type, s.Content)
			a.enabled = false
			a.nodes = append(a.nodes, n.name)
		}
	}
	ids := make([]string, 0, len(aggs))
	for id := range aggs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := aggs[id]
		attrs := storageAttrs{Storage: a.name, Type: a.typ, Content: splitList(a.content), Shared: a.shared,
			Enabled: a.enabled, Active: len(a.active) > 0, Used: a.used, Total: a.total, Inactive: a.down}
		var status resource.Status
		switch {
		case !a.enabled:
			status = resource.StatusOffline
		case len(a.down) == 0 && len(a.active) > 0:
			status = resource.StatusOnline
		case len(a.active) > 0:
			status = resource.StatusDegraded
		case len(a.down) > 0:
			status = resource.StatusOffline
		default:
			status = resource.StatusUnknown // only on offline nodes
		}
		node := ""
		if a.shared {
			attrs.Nodes = a.nodes
		} else {
			node, attrs.Node = a.nodes[0], a.nodes[0]
		}
		e.resource(sdk.Resource{Type: resource.TypeStorage, NativeID: id, Name: a.name, Status: status,
			Topology: topology(v, node)}, attrs)
		for _, n := range a.nodes {
			e.rel(id, resource.RelMemberOf, nodeID(n))
		}
		if attrs.Active {
			e.metric(id, "storage_used_bytes", float64(a.used), "bytes")
			e.metric(id, "storage_total_bytes", float64(a.total), "bytes")
		}
		if a.enabled && len(a.down) > 0 {
			sev, where := resource.SeverityWarning, "on "+strings.Join(a.down, ", ")
			if len(a.active) == 0 {
				sev = resource.SeverityCritical
			}
			if !a.shared {
				where = "on node " + a.nodes[0]
			}
			e.alert(sdk.Alert{NativeID: "storage-inactive/" + id, Resource: id, Severity: sev, Kind: "storage-inactive",
				Message: fmt.Sprintf("storage %s (%s) is enabled but not active %s", a.name, a.typ, where)})
		}
	}
}

// sharedFlags are the storages' configured shared flags as the slow pass
// read them; a storage not yet read falls back to its plugin type.
func sharedFlags(v *view) map[string]bool {
	out := map[string]bool{}
	for _, n := range v.nodes {
		for _, s := range v.slow.storage[n.name] {
			out[s.Storage] = bool(s.Shared)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}
