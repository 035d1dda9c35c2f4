package pve

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// cephAttrs are the attributes of the ceph resource.
type cephAttrs struct {
	FSID       string       `json:"fsid"`
	Health     string       `json:"health"`
	Checks     []cephCheck  `json:"checks,omitempty"`
	OSDs       int          `json:"osds"`
	OSDsUp     int          `json:"osds_up"`
	OSDsIn     int          `json:"osds_in"`
	BytesTotal int64        `json:"total_bytes"`
	BytesUsed  int64        `json:"used_bytes"`
	BytesAvail int64        `json:"avail_bytes"`
	NumPools   int          `json:"num_pools"`
	NumPGs     int          `json:"num_pgs"`
	Pools      []cephPoolAt `json:"pools,omitempty"`
	Monitors   []string     `json:"quorum,omitempty"`
}

type cephCheck struct {
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Muted    bool   `json:"muted,omitempty"`
}

type cephPoolAt struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	Size        int     `json:"size"`
	MinSize     int     `json:"min_size"`
	PGs         int     `json:"pg_num"`
	UsedBytes   int64   `json:"used_bytes"`
	PercentUsed float64 `json:"percent_used"`
	Type        string  `json:"type,omitempty"`
}

func cephID(fsid string) string { return "ceph/" + fsid }

// projectCeph emits the cluster's Ceph as one ceph resource with its health,
// OSD counts and pools, and alerts on HEALTH_WARN and HEALTH_ERR.
func projectCeph(e *emitter, v *view) {
	c := v.ceph
	if c == nil {
		return
	}
	id := cephID(c.FSID)
	a := cephAttrs{FSID: c.FSID, Health: c.Health.Status, OSDs: c.OSDMap.NumOSDs, OSDsUp: c.OSDMap.NumUpOSDs,
		OSDsIn: c.OSDMap.NumInOSDs, BytesTotal: int64(c.PGMap.BytesTotal), BytesUsed: int64(c.PGMap.BytesUsed),
		BytesAvail: int64(c.PGMap.BytesAvail), NumPools: c.PGMap.NumPools, NumPGs: c.PGMap.NumPGs, Monitors: c.QuorumNames}
	if m := c.OSDMap.OSDMap; m != nil && a.OSDs == 0 {
		a.OSDs, a.OSDsUp, a.OSDsIn = m.NumOSDs, m.NumUpOSDs, m.NumInOSDs
	}
	for name, ch := range c.Health.Checks {
		a.Checks = append(a.Checks, cephCheck{Name: name, Severity: ch.Severity, Message: ch.Summary.Message, Muted: ch.Muted})
	}
	sort.Slice(a.Checks, func(i, j int) bool { return a.Checks[i].Name < a.Checks[j].Name })
	for _, p := range v.slow.cephPools {
		a.Pools = append(a.Pools, cephPoolAt{ID: p.Pool, Name: p.Name, Size: p.Size, MinSize: p.MinSize, PGs: p.PGNum,
			UsedBytes: int64(p.BytesUsed), PercentUsed: p.PercentUsed, Type: p.Type})
	}
	status := resource.StatusUnknown
	switch c.Health.Status {
	case "HEALTH_OK":
		status = resource.StatusOnline
	case "HEALTH_WARN", "HEALTH_ERR":
		status = resource.StatusDegraded
	}
	name := "ceph"
	if v.cluster != "" {
		name = v.cluster + " ceph"
	}
	e.resource(sdk.Resource{Type: resource.TypeCeph, NativeID: id, Name: name, Status: status, Topology: topology(v, "")}, a)
	e.metric(id, "storage_used_bytes", c.PGMap.BytesUsed, "bytes")
	e.metric(id, "storage_total_bytes", c.PGMap.BytesTotal, "bytes")
	e.metric(id, "ceph_osds_up", float64(a.OSDsUp), "count")
	e.metric(id, "ceph_osds", float64(a.OSDs), "count")
	if status != resource.StatusDegraded {
		return
	}
	sev := resource.SeverityWarning
	if c.Health.Status == "HEALTH_ERR" {
		sev = resource.SeverityCritical
	}
	var msgs []string
	for _, ch := range a.Checks {
		if !ch.Muted {
			msgs = append(msgs, ch.Name+": "+ch.Message)
		}
	}
	msg := fmt.Sprintf("ceph is %s", c.Health.Status)
	if len(msgs) > 0 {
		msg += " (" + strings.Join(msgs, "; ") + ")"
	}
	e.alert(sdk.Alert{NativeID: "ceph-health/" + c.FSID, Resource: id, Severity: sev, Kind: "ceph-health", Message: msg})
}
