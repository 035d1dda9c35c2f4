// Package fakepbs is a fake Proxmox Backup Server API: a modelled server
// (datastores with nested namespaces, backup groups and snapshots, verify,
// sync, prune and GC jobs, tasks) served under /api2/json over HTTPS with
// PBSAPIToken and ticket authentication, privilege checks and fault
// injection (through the shared fakeapi server).
//
// Every response follows the official API description (pbs-apidoc.json);
// the package's tests validate each one, so the fake cannot drift towards
// what the adapter happens to expect. Tests import it directly; the lab runs
// it through cmd/pulse-sim-proxmox-pbs.
package fakepbs

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
)

// Lab credentials the fake accepts unless Options say otherwise.
const (
	DefaultTokenID     = "pulse@pbs!monitor"
	DefaultTokenSecret = "pulse-lab-secret"
	DefaultUsername    = "root@pam"
	DefaultPassword    = "pulse-lab"
)

// Options, Fault and Response are the shared fake server's (aliases, so
// packages outside plugins/ can configure the fake and inject faults).
type (
	Options  = fakeapi.Options
	Fault    = fakeapi.Fault
	Response = fakeapi.Response
)

// Fake is a running fake PBS: the shared server plus the model.
type Fake struct {
	*fakeapi.Server
	s *Server
}

// New builds a fake serving s (which it owns from now on). Empty
// credentials in o take the defaults; o.Product is set to PBS.
func New(s *Server, o fakeapi.Options) *Fake {
	o.Product, o.TokenSep = "PBS", ":"
	if o.TokenID == "" {
		o.TokenID, o.TokenSecret = DefaultTokenID, DefaultTokenSecret
	}
	if o.Username == "" {
		o.Username, o.Password = DefaultUsername, DefaultPassword
	}
	f := &Fake{Server: fakeapi.New(o), s: s}
	f.routes()
	return f
}

// Update changes the model under the server's lock.
func (f *Fake) Update(fn func(s *Server)) { f.Do(func() { fn(f.s) }) }

func (f *Fake) routes() {
	g := func(tpl string, h fakeapi.Handler) { f.Handle(http.MethodGet, tpl, h) }
	g("/version", func(*fakeapi.Request) (any, *fakeapi.Error) {
		return map[string]any{"version": f.s.Version, "release": f.s.Release, "repoid": f.s.RepoID}, nil
	})
	g("/access/permissions", f.permissions)
	g("/nodes/{node}/status", f.nodeStatus)
	g("/nodes/{node}/subscription", func(*fakeapi.Request) (any, *fakeapi.Error) {
		out := map[string]any{"status": f.s.Subscription}
		if f.s.Subscription == "active" {
			out["productname"] = "Proxmox Backup Server Basic"
			out["nextduedate"], out["key"] = "2027-01-01", "pbsb-0123456789"
		}
		return out, nil
	})
	g("/nodes/{node}/identity", func(*fakeapi.Request) (any, *fakeapi.Error) {
		if f.s.InstanceID == "" {
			return nil, fakeapi.NotFound("Path '/api2/json/nodes/localhost/identity' not found.")
		}
		return map[string]any{"pbs-instance-id": f.s.InstanceID}, nil
	})
	g("/nodes/{node}/tasks", f.tasks)
	g("/status/datastore-usage", f.usage)
	g("/admin/datastore", f.datastores)
	g("/admin/datastore/{store}/status", f.storeStatus)
	g("/admin/datastore/{store}/namespace", f.namespaces)
	g("/admin/datastore/{store}/groups", f.groups)
	g("/admin/datastore/{store}/snapshots", f.snapshots)
	g("/admin/gc", f.gcJobs)
	g("/admin/verify", func(rq *fakeapi.Request) (any, *fakeapi.Error) { return f.jobs(rq, f.s.VerifyJobs, "verify"), nil })
	g("/admin/sync", func(rq *fakeapi.Request) (any, *fakeapi.Error) { return f.jobs(rq, f.s.SyncJobs, "sync"), nil })
	g("/admin/prune", func(rq *fakeapi.Request) (any, *fakeapi.Error) { return f.jobs(rq, f.s.Prunes, "prune"), nil })
}

// permissions answers /access/permissions as PBS does: privileges per ACL
// path, each with its propagate flag.
func (f *Fake) permissions(*fakeapi.Request) (any, *fakeapi.Error) {
	privs := map[string]bool{}
	for _, p := range []string{"Sys.Audit", "Datastore.Audit", "Datastore.Backup", "Datastore.Verify", "Remote.Audit"} {
		if f.Has(p) {
			privs[p] = true
		}
	}
	return map[string]any{"/": privs}, nil
}

func (f *Fake) nodeStatus(*fakeapi.Request) (any, *fakeapi.Error) {
	if !f.Has("Sys.Audit") {
		return nil, fakeapi.Denied("/system/status", "Sys.Audit")
	}
	s := f.s
	return map[string]any{
		"boot-info":      map[string]any{"mode": "efi", "secureboot": false},
		"cpu":            s.CPU,
		"wait":           s.Wait,
		"cpuinfo":        map[string]any{"cpus": s.CPUs, "model": "AMD EPYC 7302P 16-Core Processor", "sockets": 1},
		"current-kernel": map[string]any{"machine": "x86_64", "release": "6.14.8-2-pve", "sysname": "Linux", "version": "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2"},
		"info":           map[string]any{"fingerprint": "3a:5b:9c:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd"},
		"kversion":       "Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2",
		"loadavg":        []float64{s.Load[0], s.Load[1], s.Load[2]},
		"memory":         map[string]any{"total": s.MemTotal, "used": s.MemUsed, "free": s.MemTotal - s.MemUsed},
		"swap":           map[string]any{"total": s.SwapTotal, "used": s.SwapUsed, "free": s.SwapTotal - s.SwapUsed},
		"root":           map[string]any{"total": s.RootTotal, "used": s.RootUsed, "avail": s.RootTotal - s.RootUsed},
		"uptime":         s.Uptime,
	}, nil
}

// tasks answers /nodes/{node}/tasks: newest first, filtered by since,
// errors and limit; without Sys.Audit only the caller's own tasks.
func (f *Fake) tasks(rq *fakeapi.Request) (any, *fakeapi.Error) {
	since, _ := strconv.ParseInt(rq.Query.Get("since"), 10, 64)
	errorsOnly := rq.Query.Get("errors") == "1" || rq.Query.Get("errors") == "true"
	limit, err := strconv.Atoi(rq.Query.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 50
	}
	ts := append([]*Task(nil), f.s.Tasks...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Start > ts[j].Start })
	out := []map[string]any{}
	for _, t := range ts {
		if t.Start < since || (errorsOnly && (t.Status == "OK" || t.Status == "")) {
			continue
		}
		if !f.Has("Sys.Audit") && t.User != rq.User {
			continue
		}
		e := map[string]any{"upid": f.s.UPID(t), "node": f.s.Node, "pid": t.PID, "pstart": t.PID * 7, "starttime": t.Start,
			"user": t.User, "worker_type": t.WorkerType}
		if t.WorkerID != "" {
			e["worker_id"] = t.WorkerID
		}
		if t.Status != "" {
			e["status"], e["endtime"] = t.Status, t.End
		}
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// visible lists the datastores the caller may audit (PBS filters the list
// rather than refusing it).
func (f *Fake) visible() []*Datastore {
	if !f.Has("Datastore.Audit") {
		return nil
	}
	return f.s.Datastores
}

func (f *Fake) store(rq *fakeapi.Request) (*Datastore, *fakeapi.Error) {
	name := rq.Params["store"]
	d := f.s.Datastore(name)
	if d == nil {
		return nil, &fakeapi.Error{Status: http.StatusBadRequest, Msg: "datastore '" + name + "' does not exist"}
	}
	if !f.Has("Datastore.Audit") {
		return nil, fakeapi.Denied("/datastore/"+name, "Datastore.Audit")
	}
	if d.MountStatus == "notmounted" {
		return nil, &fakeapi.Error{Status: http.StatusBadRequest, Msg: "datastore '" + name + "' is not mounted"}
	}
	return d, nil
}

func gcStatus(d *Datastore) map[string]any {
	out := map[string]any{"disk-bytes": d.GC.DiskBytes, "disk-chunks": d.GC.DiskChunks, "index-data-bytes": d.GC.IndexDataBytes,
		"index-file-count": d.SnapshotCount() * 2, "pending-bytes": 0, "pending-chunks": 0, "removed-bad": 0, "removed-bytes": 0,
		"removed-chunks": 0, "still-bad": 0}
	if d.GC.UPID != "" {
		out["upid"] = d.GC.UPID
	}
	return out
}

func (f *Fake) usage(*fakeapi.Request) (any, *fakeapi.Error) {
	out := []map[string]any{}
	for _, d := range f.visible() {
		e := map[string]any{"store": d.Name, "mount-status": d.MountStatus, "backend-type": "filesystem"}
		if d.MountStatus == "notmounted" {
			e["error"] = "datastore is not mounted"
		} else {
			e["total"], e["used"], e["avail"] = d.Total, d.Used, d.Total-d.Used
			e["gc-status"] = gcStatus(d)
			if d.EstimatedFull > 0 {
				e["estimated-full-date"] = d.EstimatedFull
			}
			e["history-start"], e["history-delta"] = int64(1767139200), 86400
			e["history"] = []float64{float64(d.Used) / float64(d.Total) * 0.97, float64(d.Used) / float64(d.Total)}
		}
		out = append(out, e)
	}
	return out, nil
}

func (f *Fake) datastores(*fakeapi.Request) (any, *fakeapi.Error) {
	out := []map[string]any{}
	for _, d := range f.visible() {
		e := map[string]any{"store": d.Name, "mount-status": d.MountStatus, "backend-type": "filesystem"}
		if d.Comment != "" {
			e["comment"] = d.Comment
		}
		if d.Maintenance != "" {
			e["maintenance"] = d.Maintenance
		}
		out = append(out, e)
	}
	return out, nil
}

func (f *Fake) storeStatus(rq *fakeapi.Request) (any, *fakeapi.Error) {
	d, aerr := f.store(rq)
	if aerr != nil {
		return nil, aerr
	}
	out := map[string]any{"total": d.Total, "used": d.Used, "avail": d.Total - d.Used, "backend-type": "filesystem"}
	if rq.Query.Get("verbose") == "1" || rq.Query.Get("verbose") == "true" {
		counts := map[string]map[string]int{}
		for _, g := range d.Groups {
			c := counts[g.Type]
			if c == nil {
				c = map[string]int{}
				counts[g.Type] = c
			}
			c["groups"]++
			c["snapshots"] += len(g.Snapshots)
		}
		out["counts"] = counts
		out["gc-status"] = gcStatus(d)
	}
	return out, nil
}

// namespaces lists the namespaces below parent (root included as ""), up
// to max-depth levels (default: all).
func (f *Fake) namespaces(rq *fakeapi.Request) (any, *fakeapi.Error) {
	d, aerr := f.store(rq)
	if aerr != nil {
		return nil, aerr
	}
	parent := strings.Trim(rq.Query.Get("parent"), "/")
	depth := 7
	if v, err := strconv.Atoi(rq.Query.Get("max-depth")); err == nil {
		depth = v
	}
	out := []map[string]any{}
	for _, ns := range append([]string{""}, d.Namespaces...) {
		if parent != "" && ns != parent && !strings.HasPrefix(ns, parent+"/") {
			continue
		}
		if parent == "" && ns == "" {
			out = append(out, map[string]any{"ns": ""})
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(ns, parent), "/")
		if rel != "" && strings.Count(rel, "/")+1 > depth {
			continue
		}
		out = append(out, map[string]any{"ns": ns})
	}
	return out, nil
}

func (f *Fake) groups(rq *fakeapi.Request) (any, *fakeapi.Error) {
	d, aerr := f.store(rq)
	if aerr != nil {
		return nil, aerr
	}
	ns := strings.Trim(rq.Query.Get("ns"), "/")
	out := []map[string]any{}
	for _, g := range d.Groups {
		if g.NS != ns || len(g.Snapshots) == 0 {
			continue
		}
		last := g.Snapshots[0].Time
		fileset := map[string]bool{}
		for _, s := range g.Snapshots {
			last = max(last, s.Time)
			for _, fl := range s.Files {
				fileset[fl] = true
			}
		}
		var files []string
		for fl := range fileset {
			files = append(files, fl)
		}
		sort.Strings(files)
		e := map[string]any{"backup-type": g.Type, "backup-id": g.ID, "backup-count": len(g.Snapshots), "last-backup": last,
			"files": files, "owner": g.Owner}
		if g.Comment != "" {
			e["comment"] = g.Comment
		}
		out = append(out, e)
	}
	return out, nil
}

func (f *Fake) snapshots(rq *fakeapi.Request) (any, *fakeapi.Error) {
	d, aerr := f.store(rq)
	if aerr != nil {
		return nil, aerr
	}
	ns := strings.Trim(rq.Query.Get("ns"), "/")
	typ, id := rq.Query.Get("backup-type"), rq.Query.Get("backup-id")
	out := []map[string]any{}
	for _, g := range d.Groups {
		if g.NS != ns || (typ != "" && g.Type != typ) || (id != "" && g.ID != id) {
			continue
		}
		for _, s := range g.Snapshots {
			e := map[string]any{"backup-type": g.Type, "backup-id": g.ID, "backup-time": s.Time, "files": s.Files,
				"owner": g.Owner, "protected": s.Protected, "size": s.Size}
			if s.Verify != "" {
				e["verification"] = map[string]any{"state": s.Verify, "upid": s.VerifyUPID}
			}
			if s.Comment != "" {
				e["comment"] = s.Comment
			}
			if s.Fingerprint != "" {
				e["fingerprint"] = s.Fingerprint
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *Fake) gcJobs(rq *fakeapi.Request) (any, *fakeapi.Error) {
	out := []map[string]any{}
	for _, d := range f.visible() {
		if st := rq.Query.Get("store"); st != "" && st != d.Name {
			continue
		}
		e := gcStatus(d)
		e["store"] = d.Name
		if d.GC.Schedule != "" {
			e["schedule"] = d.GC.Schedule
		}
		if d.GC.NextRun != 0 {
			e["next-run"] = d.GC.NextRun
		}
		if d.GC.LastState != "" {
			e["last-run-state"], e["last-run-endtime"], e["duration"] = d.GC.LastState, d.GC.LastEnd, 312
		}
		out = append(out, e)
	}
	return out, nil
}

func (f *Fake) jobs(rq *fakeapi.Request, js []*Job, kind string) []map[string]any {
	out := []map[string]any{}
	if !f.Has("Datastore.Audit") {
		return out
	}
	for _, j := range js {
		if st := rq.Query.Get("store"); st != "" && st != j.Store {
			continue
		}
		e := map[string]any{"id": j.ID, "store": j.Store, "schedule": j.Schedule}
		if j.NS != "" {
			e["ns"] = j.NS
		}
		if j.NextRun != 0 {
			e["next-run"] = j.NextRun
		}
		if j.LastState != "" {
			e["last-run-state"], e["last-run-endtime"] = j.LastState, j.LastEnd
			if j.LastUPID != "" {
				e["last-run-upid"] = j.LastUPID
			}
		}
		if kind == "sync" {
			e["remote"], e["remote-store"] = j.Remote, j.RemoteDS
		}
		out = append(out, e)
	}
	return out
}
