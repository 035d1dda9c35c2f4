package pve

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// taskWindow is how far back a failed task still raises an alert.
const taskWindow = 24 * time.Hour

// nodeAlerts raises platform-health alerts from the steady-state view: an
// offline node, a cluster without quorum, guests in HA error or fencing.
// Metric thresholds are the core's job, not the plugin's.
func nodeAlerts(e *emitter, v *view) {
	if v.cluster != "" && !v.quorate {
		e.alert(sdk.Alert{NativeID: "cluster-quorum/" + v.cluster, Severity: resource.SeverityCritical, Kind: "cluster-quorum",
			Message: fmt.Sprintf("cluster %s has lost quorum: guests cannot be started or changed", v.cluster)})
	}
	for _, n := range v.nodes {
		if n.online {
			continue
		}
		e.alert(sdk.Alert{NativeID: "node-offline/" + n.name, Resource: nodeID(n.name), Severity: resource.SeverityCritical,
			Kind: "node-offline", Message: fmt.Sprintf("node %s is offline; the state of its guests is unknown", n.name)})
	}
	for i := range v.guests {
		g := &v.guests[i]
		var sev resource.Severity
		switch g.HAState {
		case "error":
			sev = resource.SeverityCritical
		case "fence":
			sev = resource.SeverityWarning
		default:
			continue
		}
		id := guestID(g.VMID)
		e.alert(sdk.Alert{NativeID: "ha-" + g.HAState + "/" + id, Resource: id, Severity: sev, Kind: "ha-" + g.HAState,
			Message: fmt.Sprintf("HA resource %s:%d (%s) is in state %q on node %s", haType(g.Type), g.VMID, g.Name, g.HAState, g.Node)})
	}
}

func haType(t string) string {
	if t == "lxc" {
		return "ct"
	}
	return "vm"
}

// taskAlerts raises an alert per task that failed in the last 24 hours: a
// failed backup (vzdump) is critical, any other failed task a warning.
// Tasks that finished with warnings are not failures.
func taskAlerts(e *emitter, v *view) {
	tasks := append([]task(nil), v.slow.tasks...)
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].UPID < tasks[j].UPID })
	for _, t := range tasks {
		if t.Status == "" || t.Status == "OK" || strings.HasPrefix(t.Status, "WARNINGS") || t.EndTime == 0 {
			continue
		}
		end := time.Unix(t.EndTime, 0)
		if v.now.Sub(end) > taskWindow {
			continue
		}
		sev, what := resource.SeverityWarning, "task "+t.Type
		if t.Type == "vzdump" {
			sev, what = resource.SeverityCritical, "backup (vzdump)"
		}
		if t.ID != "" {
			what += " of " + t.ID
		}
		res := ""
		if vmid, ok := v.guestVMID(t.ID); ok {
			res = guestID(vmid)
		}
		e.alert(sdk.Alert{NativeID: "task-failed/" + t.UPID, Resource: res, Severity: sev, Kind: "task-failed",
			Message: fmt.Sprintf("%s on node %s failed: %s", what, t.Node, t.Status), Started: end})
	}
}

// guestVMID returns the vmid a task id names, if it names one of the
// cluster's guests.
func (v *view) guestVMID(id string) (int, bool) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return 0, false
	}
	i := sort.Search(len(v.guests), func(i int) bool { return v.guests[i].VMID >= n })
	return n, i < len(v.guests) && v.guests[i].VMID == n
}
