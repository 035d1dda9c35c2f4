package fakepve

import (
	"fmt"
	"time"
)

// Spec sizes a generated cluster.
type Spec struct {
	// Name is the cluster name; empty means "lab".
	Name string
	// Nodes and Guests count members and guests (a quarter are lxc).
	Nodes, Guests int
	// Ceph adds a healthy Ceph cluster with an rbd storage.
	Ceph bool
	// Epoch anchors generated timestamps; zero means 2026-01-01T00:00:00Z.
	Epoch time.Time
}

const gib = int64(1) << 30

// Generate builds a healthy, deterministic cluster of the given size: every
// node online with two disks, local and local-lvm storages per node, a shared
// NFS backup storage holding one backup of every tenth guest, snapshots on
// every twentieth guest, and a few finished tasks.
func Generate(s Spec) *Cluster {
	if s.Name == "" {
		s.Name = "lab"
	}
	if s.Nodes < 1 {
		s.Nodes = 1
	}
	if s.Epoch.IsZero() {
		s.Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	c := &Cluster{Name: s.Name, Version: "9.0.3", Release: "9.0"}
	for i := 0; i < s.Nodes; i++ {
		n := &Node{
			Name: fmt.Sprintf("pve%02d", i+1), Online: true, IP: fmt.Sprintf("10.0.0.%d", 11+i),
			CPUs: 32, MaxMem: 256 * gib, Mem: 96*gib + int64(i)*gib, CPU: 0.12 + float64(i%5)*0.03,
			Uptime: 864000 + int64(i)*3600,
		}
		n.Disks = []*Disk{
			{DevPath: "/dev/nvme0n1", Model: "Samsung SSD 980 PRO 1TB", Serial: fmt.Sprintf("S5GXNF0R%06d", i*2+1),
				WWN: fmt.Sprintf("eui.002538b%09x", i*2+1), Type: "nvme", Size: 1000204886016, Health: "PASSED",
				Wearout: 97 - i%5, Used: "LVM", OSDID: -1},
			{DevPath: "/dev/sda", Model: "INTEL SSDSC2KB960G8", Serial: fmt.Sprintf("PHYF%08dD", i*2+2),
				WWN: fmt.Sprintf("0x55cd2e41%08x", i*2+2), Vendor: "ATA", Type: "ssd", Size: 960197124096, Health: "PASSED",
				Wearout: 99, Used: "ext4", OSDID: -1},
		}
		if s.Ceph {
			n.Disks[1].Used, n.Disks[1].OSDID = "LVM", i
		}
		c.Nodes = append(c.Nodes, n)
	}
	c.Storages = []*Storage{
		{Name: "local", Type: "dir", Content: "iso,vztmpl,backup", Total: 100 * gib, Used: 21 * gib, Enabled: true},
		{Name: "local-lvm", Type: "lvmthin", Content: "images,rootdir", Total: 800 * gib, Used: 310 * gib, Enabled: true},
		{Name: "backup-nfs", Type: "nfs", Content: "backup", Shared: true, Total: 8192 * gib, Used: 2210 * gib, Enabled: true},
	}
	if s.Ceph {
		c.Storages = append(c.Storages, &Storage{Name: "ceph-vm", Type: "rbd", Content: "images,rootdir", Shared: true,
			Total: 12 * 1024 * gib, Used: 3 * 1024 * gib, Enabled: true})
		c.Ceph = &Ceph{
			FSID: "6c5c1c2e-4f0e-4b8e-9a57-0d3c2a1b9f10", Health: "HEALTH_OK", Checks: map[string]string{},
			OSDs: s.Nodes, UpOSDs: s.Nodes, InOSDs: s.Nodes, BytesTotal: 12 * 1024 * gib, BytesUsed: 3 * 1024 * gib,
			Pools: []CephPool{
				{ID: 1, Name: ".mgr", Size: 3, MinSize: 2, PGs: 1, BytesUsed: 2 << 20, PercentUsed: 0.0001},
				{ID: 2, Name: "ceph-vm", Size: 3, MinSize: 2, PGs: 128, BytesUsed: 3 * 1024 * gib, PercentUsed: 0.25},
			},
		}
	}
	nfs := c.Storage("backup-nfs")
	for i := 0; i < s.Guests; i++ {
		g := &Guest{VMID: 100 + i, Type: "qemu", Node: c.Nodes[i%s.Nodes].Name, Status: "running", CPUs: 2 + i%4,
			MaxMem: int64(2+i%8) * gib, MaxDisk: 32 * gib, Uptime: 3600 + int64(i)*60}
		g.Name = fmt.Sprintf("vm-%04d", i)
		if i%4 == 3 {
			g.Type, g.Name, g.MaxDisk = "lxc", fmt.Sprintf("ct-%04d", i), 8*gib
			g.Disk = g.MaxDisk / 3
		}
		switch {
		case i%50 == 49:
			g.Status, g.Template, g.Uptime = "stopped", true, 0
			g.Name = "tpl-" + g.Name
		case i%10 == 9:
			g.Status, g.Uptime = "stopped", 0
		}
		if g.Status == "running" {
			g.CPU = 0.01 + float64(i%20)*0.02
			g.Mem = g.MaxMem / int64(2+i%3)
			g.NetIn, g.NetOut = int64(i)*1_000_003, int64(i)*700_001
			g.DiskRead, g.DiskWrite = int64(i)*2_000_003, int64(i)*1_500_007
		}
		switch i % 7 {
		case 1:
			g.Tags = "prod;web"
		case 2:
			g.Tags = "dev"
		}
		if i%5 == 0 {
			g.Pool = "tenant-a"
		}
		if i%8 == 0 && !g.Template {
			g.HAState = "started"
			if g.Status != "running" {
				g.HAState = "stopped"
			}
		}
		if i%20 == 4 && !g.Template {
			g.Snapshots = []Snapshot{
				{Name: "before-upgrade", Description: "pre upgrade", Time: s.Epoch.Add(-48 * time.Hour)},
				{Name: "after-upgrade", Parent: "before-upgrade", Time: s.Epoch.Add(-24 * time.Hour), VMState: g.Type == "qemu"},
			}
		}
		if i%10 == 0 {
			nfs.Backups = append(nfs.Backups, &Backup{VMID: g.VMID, GuestType: g.Type,
				Time: s.Epoch.Add(-time.Duration(1+i%3) * time.Hour), Size: 3*gib + int64(i)*1024, Notes: g.Name})
		}
		c.Guests = append(c.Guests, g)
	}
	c.Tasks = []*Task{
		{Node: c.Nodes[0].Name, Type: "vzdump", ID: "", User: "root@pam", Status: "OK", PID: 4242,
			Start: s.Epoch.Add(-3 * time.Hour), End: s.Epoch.Add(-2 * time.Hour)},
		{Node: c.Nodes[len(c.Nodes)-1].Name, Type: "qmstart", ID: "100", User: "root@pam", Status: "OK", PID: 5151,
			Start: s.Epoch.Add(-90 * time.Minute), End: s.Epoch.Add(-89 * time.Minute)},
	}
	return c
}
