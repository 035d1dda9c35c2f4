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
	Nodes            []*Node
	Guests           []*Guest
	Storages         []*Storage
	// Ceph is nil when the cluster has no Ceph.
	Ceph  *Ceph
	Tasks []*Task
}

// Node is one cluster member.
type Node struct {
	Name   string
	Online bool
	IP     string
	CPUs   int
	Mem    int64 // used bytes
	MaxMem int64
	CPU    float64
	Uptime int64
	Disks  []*Disk
	// Version overrides the cluster's pve-manager version for this node.
	Version string
}

// Disk is one physical disk of a node.
type Disk struct {
	DevPath, Model, Serial, WWN, Vendor string
	// Type is hdd, ssd or nvme.
	Type string
	Size int64
	// Health is the SMART health: PASSED, FAILED, OK or UNKNOWN.
	Health string
	// Wearout is the percentage of life left, -1 when unknown ("N/A").
	Wearout int
	// Used says what uses it (LVM, ZFS, "ext4", partitions...).
	Used  string
	OSDID int // -1 when not a Ceph OSD
}

// Guest is a qemu VM or an lxc container.
type Guest struct {
	VMID int
	// Type is "qemu" or "lxc".
	Type, Name, Node string
	// Status is running, stopped or paused.
	Status                     string
	CPUs                       int
	CPU                        float64
	Mem, MaxMem, Disk, MaxDisk int64
	NetIn, NetOut              int64
	DiskRead, DiskWrite        int64
	Uptime                     int64
	Tags, Pool, HAState, Lock  string
	Template                   bool
	Snapshots                  []Snapshot
}

// Snapshot is one guest snapshot.
type Snapshot struct {
	Name, Description, Parent string
	Time                      time.Time
	VMState                   bool
}

// Storage is one storage definition.
type Storage struct {
	Name, Type string
	// Content is the comma-separated content list, e.g. "images,rootdir".
	Content string
	Shared  bool
	// Nodes restricts the storage to some nodes; nil means every node.
	Nodes       []string
	Total, Used int64
	Enabled     bool
	// Inactive lists nodes on which the storage is not active; "*" means all.
	Inactive []string
	Backups  []*Backup
}

// Backup is one vzdump archive on a storage. For a non-shared storage, Node
// says which node's copy of the storage holds it.
type Backup struct {
	VMID      int
	GuestType string // qemu or lxc
	Node      string
	Time      time.Time
	Size      int64
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
	FSID string
	// Health is HEALTH_OK, HEALTH_WARN or HEALTH_ERR.
	Health string
	// Checks maps a Ceph health check name to its summary message.
	Checks                map[string]string
	OSDs, UpOSDs, InOSDs  int
	BytesTotal, BytesUsed int64
	Pools                 []CephPool
}

// CephPool is one Ceph pool.
type CephPool struct {
	ID            int
	Name          string
	Size, MinSize int
	PGs           int
	BytesUsed     int64
	PercentUsed   float64
}

// Task is one entry of the cluster task log.
type Task struct {
	Node, Type, ID, User string
	// Status is "OK", an error message, or "" while running.
	Status     string
	Start, End time.Time
	PID        int
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
