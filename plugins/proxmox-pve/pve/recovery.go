package pve

import (
	"sort"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// emitRecovery emits vzdump backups found on storages and guest snapshots
// as recovery points of the guest's native id (its vmid).
func emitRecovery(v *view, out sdk.Emitter) error {
	ids := make([]string, 0, len(v.slow.backups))
	for id := range v.slow.backups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, sid := range ids {
		list := append([]content(nil), v.slow.backups[sid]...)
		sort.Slice(list, func(i, j int) bool { return list[i].Volid < list[j].Volid })
		for _, b := range list {
			if b.VMID == 0 {
				continue
			}
			attrs := map[string]any{"volid": b.Volid, "format": b.Format, "guest_type": backupGuestType(b.Volid)}
			if b.Notes != "" {
				attrs["notes"] = b.Notes
			}
			if b.Protected {
				attrs["protected"] = true
			}
			if b.Encrypted != "" {
				attrs["encrypted"] = true
			}
			if b.Verification != nil {
				attrs["verification"] = b.Verification.State
			}
			if err := out.RecoveryPoint(sdk.RecoveryPoint{NativeID: "backup/" + sid + "/" + b.Volid, Resource: guestID(b.VMID),
				Kind: resource.RecoveryBackup, Time: time.Unix(b.CTime, 0).UTC(), SizeBytes: int64(b.Size), Storage: sid,
				Attributes: attrs}); err != nil {
				return err
			}
		}
	}
	vmids := make([]int, 0, len(v.slow.snapshots))
	for id := range v.slow.snapshots {
		vmids = append(vmids, id)
	}
	sort.Ints(vmids)
	for _, vmid := range vmids {
		for _, s := range v.slow.snapshots[vmid] {
			if s.Name == "current" {
				continue // "You are here": the live state, not a snapshot
			}
			attrs := map[string]any{"name": s.Name, "guest_type": v.slow.snapKind[vmid]}
			if s.Description != "" {
				attrs["description"] = s.Description
			}
			if s.Parent != "" {
				attrs["parent"] = s.Parent
			}
			if s.VMState {
				attrs["vmstate"] = true
			}
			id := guestID(vmid)
			if err := out.RecoveryPoint(sdk.RecoveryPoint{NativeID: "snapshot/" + id + "/" + s.Name, Resource: id,
				Kind: resource.RecoverySnapshot, Time: time.Unix(s.SnapTime, 0).UTC(), Attributes: attrs}); err != nil {
				return err
			}
		}
	}
	return nil
}

// backupGuestType reads qemu or lxc from a vzdump archive name.
func backupGuestType(volid string) string {
	for _, t := range []string{"qemu", "lxc", "openvz"} {
		if strings.Contains(volid, "vzdump-"+t+"-") {
			return t
		}
	}
	return ""
}
