package fakepve

import (
	"fmt"
	"time"
)

// Cluster is the configurable state a Fake serves.
type Cluster struct {
	// Name is the corosync cluster name; empty means a standalone node.
	Name string
	// Version is the pve-manager version, e.g. "9.0.3"; Release is "9.0".
	Version, Release string
	// Nodes are the cluster members, in corosync node id order.
	Nodes []*Node
	// Guests are the qemu VMs and lxc containers.
	Guests []*Guest
	// Storages are the storage definitions.
	Storages []*Storage
	// Ceph is nil when the cluster has no Ceph.
	Ceph *Ceph
	// Tasks are the cluster task log.
	Tasks []*Task
}

// Node is one cluster member.
type Node struct {
	// Name is the node name; Online its membership state; IP its address.
	Name   string
	Online bool
	IP     string
	// CPUs is the thread count; CPU the usage ratio (0..1).
	CPUs int
	CPU  float64
	// Mem and MaxMem are used and total memory in bytes.
	Mem    int64
	MaxMem int64
	// Uptime is in seconds.
	Uptime int64
	// Disks are the node's physical disks.
	Disks []*Disk
	// Version overrides the cluster's pve-manager version for this node.
	Version string
}

// Disk is one physical disk of a node.
type Disk struct {
	// DevPath is the device (/dev/sda); Model, Serial, WWN and Vendor
	// describe it as smartctl and udev do.
	DevPath, Model, Serial, WWN, Vendor string
	// Type is hdd, ssd or nvme.
	Type string
	Size int64
	// Health is the SMART health: PASSED, FAILED, OK or UNKNOWN.
	Health string
	// Wearout is the percentage of life left, -1 when unknown ("N/A").
	Wearout int
	// Used says what uses it (LVM, ZFS, "ext4", partitions...).
	Used string
	// OSDID is the Ceph OSD on the disk, -1 when none.
	OSDID int
}

// Guest is a qemu VM or an lxc container.
type Guest struct {
	// VMID is the cluster-unique guest id.
	VMID int
	// Type is "qemu" or "lxc"; Node is where the guest runs.
	Type, Name, Node string
	// Status is running, stopped or paused.
	Status string
	// CPUs is the vCPU count; CPU the usage ratio of them.
	CPUs int
	CPU  float64
	// Memory and root disk, used and total, in bytes.
	Mem, MaxMem, Disk, MaxDisk int64
	// Network and block I/O counters since start, in bytes.
	NetIn, NetOut       int64
	DiskRead, DiskWrite int64
	// Uptime is in seconds.
	Uptime int64
	// Tags are ";"-separated; Pool, HAState and Lock as PVE reports them.
	Tags, Pool, HAState, Lock string
	// Template marks a template.
	Template bool
	// Snapshots are the guest's snapshots, oldest first.
	Snapshots []Snapshot
}

// Snapshot is one guest snapshot.
type Snapshot struct {
	// Name, Description and Parent (the previous snapshot's name).
	Name, Description, Parent string
	// Time is when it was taken; VMState whether it includes RAM.
	Time    time.Time
	VMState bool
}

// Storage is one storage definition.
type Storage struct {
	// Name is the storage id; Type its plugin (dir, lvmthin, nfs, rbd...).
	Name, Type string
	// Content is the comma-separated content list, e.g. "images,rootdir".
	Content string
	Shared  bool
	// Nodes restricts the storage to some nodes; nil means every node.
	Nodes []string
	// Total and Used are bytes.
	Total, Used int64
	// Enabled is false for a disabled storage.
	Enabled bool
	// Inactive lists nodes on which the storage is not active; "*" means all.
	Inactive []string
	// Backups are the vzdump archives on the storage.
	Backups []*Backup
}

// Backup is one vzdump archive on a storage. For a non-shared storage, Node
// says which node's copy of the storage holds it.
type Backup struct {
	// VMID is the guest backed up; GuestType qemu or lxc.
	VMID      int
	GuestType string
	// Node holds the archive on a non-shared storage.
	Node string
	// Time is when it was made; Size its bytes.
	Time time.Time
	Size int64
	// Notes and Protected as vzdump records them.
	Notes     string
	Protected bool
}

// Volid is the archive's volume id.
func (b *Backup) Volid(storage string) string {
	kind, ext := "qemu", "vma.zst"
	if b.GuestType == "lxc" {
		kind, ext = "lxc", "tar.zst"
	}
	return fmt.Sprintf("%s:backup/vzdump-%s-%d-%s.%s", storage, kind, b.VMID, b.Time.UTC().Format("2006_01_02-15_04_05"), ext)
}

// Ceph is the cluster's Ceph state.
type Ceph struct {
	// FSID is the Ceph cluster id.
	FSID string
	// Health is HEALTH_OK, HEALTH_WARN or HEALTH_ERR.
	Health string
	// Checks maps a Ceph health check name to its summary message.
	Checks map[string]string
	// OSD counts: total, up, in.
	OSDs, UpOSDs, InOSDs int
	// Raw capacity in bytes.
	BytesTotal, BytesUsed int64
	// Pools are the Ceph pools.
	Pools []CephPool
}

// CephPool is one Ceph pool.
type CephPool struct {
	// ID and Name identify the pool.
	ID   int
	Name string
	// Size and MinSize are replica counts; PGs the placement groups.
	Size, MinSize int
	PGs           int
	// BytesUsed and PercentUsed (0..1) are its usage.
	BytesUsed   int64
	PercentUsed float64
}

// Task is one entry of the cluster task log.
type Task struct {
	// Node ran it; Type is the worker (vzdump, qmstart...); ID its object
	// (often a vmid); User who started it.
	Node, Type, ID, User string
	// Status is "OK", "WARNINGS: n", an error message, or "" while running.
	Status string
	// Start and End bound it; End is ignored while running.
	Start, End time.Time
	// PID is the worker's process id.
	PID int
}

// UPID is the task's unique id in PVE's format.
func (t *Task) UPID() string {
	return fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", t.Node, t.PID, t.PID*7, t.Start.Unix(), t.Type, t.ID, t.User)
}

// Clone returns a deep copy.
func (c *Cluster) Clone() *Cluster {
	out := *c
	out.Nodes = make([]*Node, len(c.Nodes))
	for i, n := range c.Nodes {
		nn := *n
		nn.Disks = make([]*Disk, len(n.Disks))
		for j, d := range n.Disks {
			dd := *d
			nn.Disks[j] = &dd
		}
		out.Nodes[i] = &nn
	}
	out.Guests = make([]*Guest, len(c.Guests))
	for i, g := range c.Guests {
		gg := *g
		gg.Snapshots = append([]Snapshot(nil), g.Snapshots...)
		out.Guests[i] = &gg
	}
	out.Storages = make([]*Storage, len(c.Storages))
	for i, s := range c.Storages {
		ss := *s
		ss.Nodes = append([]string(nil), s.Nodes...)
		ss.Inactive = append([]string(nil), s.Inactive...)
		ss.Backups = make([]*Backup, len(s.Backups))
		for j, b := range s.Backups {
			bb := *b
			ss.Backups[j] = &bb
		}
		out.Storages[i] = &ss
	}
	if c.Ceph != nil {
		cc := *c.Ceph
		cc.Pools = append([]CephPool(nil), c.Ceph.Pools...)
		cc.Checks = make(map[string]string, len(c.Ceph.Checks))
		for k, v := range c.Ceph.Checks {
			cc.Checks[k] = v
		}
		out.Ceph = &cc
	}
	out.Tasks = make([]*Task, len(c.Tasks))
	for i, t := range c.Tasks {
		tt := *t
		out.Tasks[i] = &tt
	}
	return &out
}

// Node returns the node called name, or nil.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Guest returns the guest with vmid, or nil.
func (c *Cluster) Guest(vmid int) *Guest {
	for _, g := range c.Guests {
		if g.VMID == vmid {
			return g
		}
	}
	return nil
}

// Storage returns the storage called name, or nil.
func (c *Cluster) Storage(name string) *Storage {
	for _, s := range c.Storages {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// On reports whether storage s is configured on node.
func (s *Storage) On(node string) bool {
	if s.Nodes == nil {
		return true
	}
	for _, n := range s.Nodes {
		if n == node {
			return true
		}
	}
	return false
}

// ActiveOn reports whether storage s is active on node.
func (s *Storage) ActiveOn(node string) bool {
	if !s.Enabled {
		return false
	}
	for _, n := range s.Inactive {
		if n == "*" || n == node {
			return false
		}
	}
	return true
}
