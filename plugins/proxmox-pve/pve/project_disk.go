package pve

import (
	"fmt"
	"path"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// diskAttrs are the attributes of a physical-disk resource.
type diskAttrs struct {
	Node        string `json:"node"`
	DevPath     string `json:"devpath"`
	Model       string `json:"model,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
	Serial      string `json:"serial,omitempty"`
	WWN         string `json:"wwn,omitempty"`
	Size        int64  `json:"size_bytes"`
	Type        string `json:"type,omitempty"`
	SMARTHealth string `json:"smart_health,omitempty"`
	// WearoutLeft is the percentage of rated life left (PVE's "wearout":
	// 100 is new), absent when the disk does not report it.
	WearoutLeft *int64 `json:"wearout_left_percent,omitempty"`
	RPM         int64  `json:"rpm,omitempty"`
	Used        string `json:"used,omitempty"`
	OSDID       *int   `json:"ceph_osd_id,omitempty"`
}

// diskID is "disk/<node>/<serial>", or the device name when the disk
// reports no serial.
func diskID(node string, d *disk) string {
	key := strings.TrimSpace(d.Serial)
	if !(resource.IdentityKey{Kind: resource.KeyDiskSerial, Value: key}).Usable() {
		key = path.Base(d.DevPath)
	}
	return "disk/" + node + "/" + key
}

// projectDisks emits every whole disk the slow pass listed as a
// physical-disk, member of its node (and of Ceph when it carries an OSD),
// with serial and WWN as identity, and alerts on failed SMART health.
func projectDisks(e *emitter, v *view) {
	for _, n := range v.nodes {
		disks := v.slow.disks[n.name]
		for i := range disks {
			d := &disks[i]
			if d.Parent != "" {
				continue // a partition
			}
			id := diskID(n.name, d)
			health := strings.ToUpper(strings.TrimSpace(d.Health))
			a := diskAttrs{Node: n.name, DevPath: d.DevPath, Model: d.Model, Vendor: strings.TrimSpace(d.Vendor), Serial: d.Serial,
				WWN: d.WWN, Size: int64(d.Size), Type: d.Type, SMARTHealth: health, Used: d.Used}
			if d.Wearout.known {
				w := d.Wearout.v
				a.WearoutLeft = &w
			}
			if d.RPM.known {
				a.RPM = d.RPM.v
			}
			if d.OSDID >= 0 && v.ceph != nil {
				osd := d.OSDID
				a.OSDID = &osd
			}
			status := resource.StatusUnknown
			switch {
			case !n.online:
			case health == "PASSED" || health == "OK":
				status = resource.StatusOnline
			case health == "FAILED":
				status = resource.StatusDegraded
			}
			var ident []resource.IdentityKey
			for _, k := range []resource.IdentityKey{{Kind: resource.KeyDiskSerial, Value: d.Serial}, {Kind: resource.KeyDiskWWN, Value: d.WWN}} {
				if k.Value = strings.TrimSpace(k.Value); k.Usable() {
					ident = append(ident, k)
				}
			}
			name := n.name + " " + d.DevPath
			if d.Model != "" {
				name += " (" + d.Model + ")"
			}
			e.resource(sdk.Resource{Type: resource.TypePhysicalDisk, NativeID: id, Name: name, Status: status,
				Identity: ident, Topology: topology(v, n.name)}, a)
			e.rel(id, resource.RelMemberOf, nodeID(n.name))
			if a.OSDID != nil {
				e.rel(id, resource.RelMemberOf, cephID(v.ceph.FSID))
			}
			if a.WearoutLeft != nil {
				e.metric(id, "disk_life_remaining_ratio", float64(*a.WearoutLeft)/100, "ratio")
			}
			if health == "FAILED" {
				e.alert(sdk.Alert{NativeID: "disk-smart-failed/" + id, Resource: id, Severity: resource.SeverityCritical,
					Kind: "disk-smart-failed", Message: fmt.Sprintf("disk %s on node %s (%s, serial %s) fails its SMART health check", d.DevPath, n.name, d.Model, d.Serial)})
			}
		}
	}
}
