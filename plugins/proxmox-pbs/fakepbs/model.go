package fakepbs

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Server is the modelled Proxmox Backup Server.
type Server struct {
	// Node is the host name (it appears in task UPIDs).
	Node string
	// Version, Release and RepoID answer /version.
	Version, Release, RepoID string
	// InstanceID answers /nodes/localhost/identity (PBS 4.2+: derived from
	// /etc/machine-id); "" makes that path a 404, like older releases.
	InstanceID string
	// Subscription is the subscription status (active, notfound, ...).
	Subscription string
	// Host figures.
	Uptime                       int64
	CPU, Wait                    float64
	CPUs                         int
	MemTotal, MemUsed            int64
	SwapTotal, SwapUsed          int64
	RootTotal, RootUsed          int64
	Load                         [3]float64
	Datastores                   []*Datastore
	VerifyJobs, SyncJobs, Prunes []*Job
	Tasks                        []*Task
}

// Datastore is one datastore with its namespaces and backup groups.
type Datastore struct {
	Name, Path, Comment string
	Total, Used         int64
	// MountStatus is mounted, notmounted or nonremovable.
	MountStatus string
	// Maintenance is a maintenance-mode property string ("" = none).
	Maintenance string
	// EstimatedFull is the estimated full date (unix time), 0 = unknown.
	EstimatedFull int64
	GC            GC
	// Namespaces are the namespaces below the root, e.g. "site-a/prod".
	Namespaces []string
	Groups     []*Group
}

// GC is the state of a datastore's garbage collection.
type GC struct {
	Schedule                  string
	LastState                 string // "ok" or an error message; "" = never ran
	LastEnd, NextRun          int64
	IndexDataBytes, DiskBytes int64
	DiskChunks                int64
	UPID                      string
}

// Group is one backup group: a type and id within a namespace.
type Group struct {
	NS, Type, ID, Owner, Comment string
	Snapshots                    []*Snapshot
}

// Snapshot is one backup snapshot.
type Snapshot struct {
	Time      int64
	Size      int64
	Protected bool
	// Verify is "", "ok" or "failed".
	Verify      string
	VerifyUPID  string
	Comment     string
	Fingerprint string // set when the backup is encrypted
	Files       []string
}

// Job is a verify, sync or prune job with its last run.
type Job struct {
	ID, Store, NS, Schedule string
	// LastState is "ok", an error text, or "" when it never ran.
	LastState        string
	LastEnd, NextRun int64
	LastUPID         string
	Remote, RemoteDS string // sync only
}

// Task is one worker task in the node's task list.
type Task struct {
	WorkerType, WorkerID, User string
	Status                     string // "" while running, "OK", or the error
	Start, End                 int64
	PID                        int
}

// UPID renders the task's id the way PBS does.
func (s *Server) UPID(t *Task) string {
	return fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%08X:%s:%s:%s:", s.Node, t.PID, t.PID*7, t.PID, t.Start, t.WorkerType, escapeWID(t.WorkerID), t.User)
}

func escapeWID(s string) string { return strings.ReplaceAll(s, ":", "\\x3a") }

// Datastore returns the datastore named name, or nil.
func (s *Server) Datastore(name string) *Datastore {
	for _, d := range s.Datastores {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Group returns the group, or nil.
func (d *Datastore) Group(ns, typ, id string) *Group {
	for _, g := range d.Groups {
		if g.NS == ns && g.Type == typ && g.ID == id {
			return g
		}
	}
	return nil
}

// SnapshotCount is the number of snapshots in the datastore.
func (d *Datastore) SnapshotCount() int {
	n := 0
	for _, g := range d.Groups {
		n += len(g.Snapshots)
	}
	return n
}

// Spec describes a generated server.
type Spec struct {
	// Datastores, Namespaces per datastore (nested two deep), Groups per
	// namespace and Snapshots per group.
	Datastores, Namespaces, Groups, Snapshots int
	// Epoch is "now" for the generated times; zero means 2026-01-01.
	Epoch time.Time
}

// Generate builds a healthy server following spec.
func Generate(sp Spec) *Server {
	if sp.Epoch.IsZero() {
		sp.Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	now := sp.Epoch.Unix()
	s := &Server{Node: "pbs-lab", Version: "4.2", Release: "1", RepoID: "3f1b2c9a", InstanceID: "6c0f1f2ed3b84f4a9bd1d7e2a1c5f0aa",
		Subscription: "active", Uptime: 864000, CPU: 0.07, Wait: 0.01, CPUs: 8, MemTotal: 32 << 30, MemUsed: 9 << 30,
		SwapTotal: 8 << 30, SwapUsed: 0, RootTotal: 64 << 30, RootUsed: 11 << 30, Load: [3]float64{0.4, 0.35, 0.3}}
	pid := 1000
	for i := range sp.Datastores {
		d := &Datastore{Name: fmt.Sprintf("store%d", i+1), Path: fmt.Sprintf("/mnt/datastore/store%d", i+1),
			Total: 8 << 40, MountStatus: "nonremovable",
			GC: GC{Schedule: "daily", LastState: "ok", LastEnd: now - 6*3600, NextRun: now + 18*3600, DiskChunks: 120000}}
		for n := range sp.Namespaces {
			top := fmt.Sprintf("site-%c", 'a'+n)
			d.Namespaces = append(d.Namespaces, top, top+"/prod")
		}
		nss := append([]string{""}, d.Namespaces...)
		var logical, stored int64
		vmid := 100
		for _, ns := range nss {
			for g := range sp.Groups {
				typ := []string{"vm", "ct", "vm", "host"}[g%4]
				id := fmt.Sprint(vmid)
				if typ == "host" {
					id = fmt.Sprintf("fileserver%d", g)
				} else {
					vmid++
				}
				grp := &Group{NS: ns, Type: typ, ID: id, Owner: "backup@pbs!pve"}
				for k := range sp.Snapshots {
					t := now - int64(sp.Snapshots-k)*86400 + int64(g*60)
					size := int64(20+g%7) << 30
					sn := &Snapshot{Time: t, Size: size, Verify: "ok", Files: files(typ)}
					pid++
					sn.VerifyUPID = s.UPID(&Task{WorkerType: "verificationjob", WorkerID: d.Name + ":v1", User: "root@pam", Start: t + 3600, PID: pid})
					grp.Snapshots = append(grp.Snapshots, sn)
					logical += size
				}
				d.Groups = append(d.Groups, grp)
			}
		}
		stored = logical / 9 // a typical dedup factor for daily VM backups
		if stored == 0 {
			stored = 1 << 30
		}
		d.Used = stored + 50<<30
		d.GC.IndexDataBytes, d.GC.DiskBytes = logical, stored
		s.Datastores = append(s.Datastores, d)
		s.VerifyJobs = append(s.VerifyJobs, &Job{ID: "v-" + d.Name, Store: d.Name, Schedule: "daily", LastState: "ok", LastEnd: now - 3*3600, NextRun: now + 21*3600})
		s.Prunes = append(s.Prunes, &Job{ID: "p-" + d.Name, Store: d.Name, Schedule: "daily", LastState: "ok", LastEnd: now - 4*3600, NextRun: now + 20*3600})
	}
	for _, d := range s.Datastores {
		sort.Slice(d.Groups, func(i, j int) bool {
			a, b := d.Groups[i], d.Groups[j]
			if a.NS != b.NS {
				return a.NS < b.NS
			}
			if a.Type != b.Type {
				return a.Type < b.Type
			}
			return a.ID < b.ID
		})
	}
	return s
}

func files(typ string) []string {
	switch typ {
	case "vm":
		return []string{"drive-scsi0.img.fidx", "index.json.blob", "qemu-server.conf.blob"}
	case "ct":
		return []string{"catalog.pcat1.didx", "index.json.blob", "pct.conf.blob", "root.pxar.didx"}
	}
	return []string{"catalog.pcat1.didx", "index.json.blob", "root.pxar.didx"}
}

// Lab builds the realistic lab model: three datastores with nested
// namespaces, one nearly full with an estimated full date, protected and
// encrypted snapshots, a failed verification, a failed and an overdue job,
// a GC that failed, and task errors.
func Lab(epoch time.Time) *Server {
	s := Generate(Spec{Datastores: 3, Namespaces: 2, Groups: 4, Snapshots: 5, Epoch: epoch})
	now := epoch.Unix()
	full := s.Datastores[1]
	full.Used = full.Total / 100 * 93
	full.EstimatedFull = now + 9*86400
	full.Comment = "offsite replica"
	g := full.Groups[0]
	g.Snapshots[0].Protected = true
	g.Snapshots[0].Comment = "before upgrade to 9.1"
	g.Snapshots[len(g.Snapshots)-1].Verify = "failed"
	enc := s.Datastores[0].Groups[1]
	for _, sn := range enc.Snapshots {
		sn.Fingerprint = "ab:cd:ef:01:23:45:67:89"
	}
	s.Datastores[0].EstimatedFull = now + 400*86400
	s.Datastores[2].GC.LastState = "unable to acquire lock on datastore"
	s.Datastores[2].Comment = "removable USB"
	s.Datastores[2].MountStatus = "mounted"
	s.VerifyJobs[1].LastState = "verification failed - please check the log for details"
	s.Prunes[0].NextRun = now - 3*86400 // overdue: the scheduler has not run it
	s.Prunes[0].LastEnd = now - 4*86400
	s.SyncJobs = append(s.SyncJobs, &Job{ID: "s-offsite", Store: full.Name, Schedule: "hourly", LastState: "ok", LastEnd: now - 1800, NextRun: now + 1800,
		Remote: "pbs-dr", RemoteDS: "replica"},
		&Job{ID: "s-failing", Store: s.Datastores[0].Name, Schedule: "daily", LastState: "remote 'pbs-dr' unreachable: connection timed out",
			LastEnd: now - 7200, NextRun: now + 80000, Remote: "pbs-dr", RemoteDS: "primary"})
	s.Tasks = append(s.Tasks,
		&Task{WorkerType: "backup", WorkerID: s.Datastores[0].Name + ":vm/101", User: "backup@pbs!pve", Status: "OK", Start: now - 5000, End: now - 4000, PID: 901},
		&Task{WorkerType: "backup", WorkerID: s.Datastores[0].Name + ":vm/102", User: "backup@pbs!pve", Status: "connection error: broken pipe", Start: now - 3000, End: now - 2900, PID: 902},
		&Task{WorkerType: "garbage_collection", WorkerID: s.Datastores[2].Name, User: "root@pam", Status: "unable to acquire lock on datastore", Start: now - 2000, End: now - 1990, PID: 903},
	)
	return s
}
