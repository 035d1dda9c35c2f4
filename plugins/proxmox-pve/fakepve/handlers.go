package fakepve

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// routes registers the handlers; POST /access/ticket (login and renewal)
// is the shared server's.
func (f *Fake) routes() {
	f.handle(http.MethodGet, "/access/permissions", permissions)
	f.handle(http.MethodGet, "/version", version)
	f.handle(http.MethodGet, "/cluster/status", clusterStatus)
	f.handle(http.MethodGet, "/cluster/resources", clusterResources)
	f.handle(http.MethodGet, "/cluster/tasks", clusterTasks)
	f.handle(http.MethodGet, "/cluster/ceph/status", cephStatus)
	f.handle(http.MethodGet, "/nodes/{node}/status", nodeStatus)
	f.handle(http.MethodGet, "/nodes/{node}/disks/list", diskList)
	f.handle(http.MethodGet, "/nodes/{node}/storage", nodeStorage)
	f.handle(http.MethodGet, "/nodes/{node}/storage/{storage}/content", storageContent)
	f.handle(http.MethodGet, "/nodes/{node}/qemu/{vmid}/snapshot", snapshots("qemu"))
	f.handle(http.MethodGet, "/nodes/{node}/lxc/{vmid}/snapshot", snapshots("lxc"))
	f.handle(http.MethodGet, "/nodes/{node}/ceph/pool", cephPools)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// vary returns v moved by up to ±pct, changing with every request when the
// fake is lively.
func (f *Fake) vary(v float64, key int, pct float64) float64 {
	if !f.opts.Lively {
		return v
	}
	x := math.Sin(float64(key)*12.9898+float64(f.seq)*78.233) * 43758.5453
	x -= math.Floor(x)
	return v * (1 + pct*(2*x-1))
}

func permissions(f *Fake, _ *Cluster, _ *request) (any, *apiError) {
	root := map[string]int{}
	for _, p := range f.opts.Privileges {
		root[p] = 1
	}
	return map[string]any{"/": root}, nil
}

func version(_ *Fake, c *Cluster, _ *request) (any, *apiError) {
	return map[string]any{"version": c.Version, "release": c.Release, "repoid": "c8a2b1f4", "console": "html5"}, nil
}

func clusterStatus(f *Fake, c *Cluster, _ *request) (any, *apiError) {
	if !f.has("Sys.Audit") {
		return nil, denied("/", "Sys.Audit")
	}
	var out []map[string]any
	online := 0
	for _, n := range c.Nodes {
		online += b2i(n.Online)
	}
	if c.Name != "" {
		out = append(out, map[string]any{"type": "cluster", "id": "cluster", "name": c.Name, "nodes": len(c.Nodes),
			"quorate": b2i(online*2 > len(c.Nodes)), "version": 7})
	}
	for i, n := range c.Nodes {
		out = append(out, map[string]any{"type": "node", "id": "node/" + n.Name, "name": n.Name, "ip": n.IP,
			"level": "", "local": b2i(i == 0), "nodeid": i + 1, "online": b2i(n.Online)})
	}
	return out, nil
}

type nodeRes struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Node       string   `json:"node"`
	Status     string   `json:"status"`
	CPU        *float64 `json:"cpu,omitempty"`
	MaxCPU     int      `json:"maxcpu,omitempty"`
	Mem        int64    `json:"mem,omitempty"`
	MaxMem     int64    `json:"maxmem,omitempty"`
	Disk       int64    `json:"disk,omitempty"`
	MaxDisk    int64    `json:"maxdisk,omitempty"`
	Uptime     int64    `json:"uptime,omitempty"`
	Level      string   `json:"level"`
	CgroupMode int      `json:"cgroup-mode,omitempty"`
}

type guestRes struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	VMID      int      `json:"vmid"`
	Name      string   `json:"name"`
	Node      string   `json:"node"`
	Status    string   `json:"status"`
	CPU       *float64 `json:"cpu,omitempty"`
	MaxCPU    int      `json:"maxcpu"`
	Mem       int64    `json:"mem"`
	MaxMem    int64    `json:"maxmem"`
	Disk      int64    `json:"disk"`
	MaxDisk   int64    `json:"maxdisk"`
	NetIn     int64    `json:"netin"`
	NetOut    int64    `json:"netout"`
	DiskRead  int64    `json:"diskread"`
	DiskWrite int64    `json:"diskwrite"`
	Uptime    int64    `json:"uptime"`
	Template  int      `json:"template"`
	Tags      string   `json:"tags,omitempty"`
	Pool      string   `json:"pool,omitempty"`
	HAState   string   `json:"hastate,omitempty"`
	Lock      string   `json:"lock,omitempty"`
}

type storageRes struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Storage    string `json:"storage"`
	Node       string `json:"node"`
	Status     string `json:"status"`
	Content    string `json:"content"`
	PluginType string `json:"plugintype"`
	Disk       int64  `json:"disk,omitempty"`
	MaxDisk    int64  `json:"maxdisk,omitempty"`
}

func clusterResources(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	want := rq.query.Get("type") // vm, storage, node, sdn
	out := make([]any, 0, len(c.Nodes)*4+len(c.Guests))
	online := map[string]bool{}
	for _, n := range c.Nodes {
		online[n.Name] = n.Online
	}
	if (want == "" || want == "node") && f.has("Sys.Audit") {
		for i, n := range c.Nodes {
			r := nodeRes{ID: "node/" + n.Name, Type: "node", Node: n.Name, Status: "offline"}
			if n.Online {
				cpu := f.vary(n.CPU, i, 0.2)
				r.Status, r.CPU, r.MaxCPU = "online", &cpu, n.CPUs
				r.Mem, r.MaxMem = int64(f.vary(float64(n.Mem), i, 0.05)), n.MaxMem
				r.Disk, r.MaxDisk, r.Uptime, r.CgroupMode = 12*gib, 100*gib, n.Uptime, 2
			}
			out = append(out, r)
		}
	}
	if (want == "" || want == "vm") && f.has("VM.Audit") {
		for _, g := range c.Guests {
			r := guestRes{ID: g.Type + "/" + strconv.Itoa(g.VMID), Type: g.Type, VMID: g.VMID, Name: g.Name, Node: g.Node,
				Status: g.Status, MaxCPU: g.CPUs, MaxMem: g.MaxMem, MaxDisk: g.MaxDisk, Template: b2i(g.Template),
				Tags: g.Tags, Pool: g.Pool, HAState: g.HAState, Lock: g.Lock}
			switch {
			case !online[g.Node]:
				r.Status = "unknown"
			case g.Status == "running":
				cpu := f.vary(g.CPU, g.VMID, 0.3)
				r.CPU = &cpu
				r.Mem = int64(f.vary(float64(g.Mem), g.VMID, 0.1))
				r.Disk, r.NetIn, r.NetOut, r.DiskRead, r.DiskWrite, r.Uptime = g.Disk, g.NetIn, g.NetOut, g.DiskRead, g.DiskWrite, g.Uptime
			default:
				zero := 0.0
				r.CPU, r.Disk = &zero, g.Disk
			}
			out = append(out, r)
		}
	}
	if (want == "" || want == "storage") && f.has("Datastore.Audit", "Datastore.AllocateSpace") {
		for _, n := range c.Nodes {
			for _, s := range c.Storages {
				if !s.On(n.Name) || !s.Enabled {
					continue
				}
				r := storageRes{ID: "storage/" + n.Name + "/" + s.Name, Type: "storage", Storage: s.Name, Node: n.Name,
					Status: "unknown", Content: s.Content, PluginType: s.Type}
				if n.Online && s.ActiveOn(n.Name) {
					r.Status, r.Disk, r.MaxDisk = "available", s.Used, s.Total
				}
				out = append(out, r)
			}
		}
	}
	if want == "" && f.has("Pool.Audit") {
		pools := map[string]bool{}
		for _, g := range c.Guests {
			if g.Pool != "" && !pools[g.Pool] {
				pools[g.Pool] = true
				out = append(out, map[string]any{"id": "/pool/" + g.Pool, "type": "pool", "pool": g.Pool})
			}
		}
	}
	if (want == "" || want == "sdn") && f.has("SDN.Audit") {
		for _, n := range c.Nodes {
			st := "ok"
			if !n.Online {
				st = "unknown"
			}
			out = append(out, map[string]any{"id": "sdn/" + n.Name + "/localnetwork", "type": "sdn", "sdn": "localnetwork",
				"node": n.Name, "status": st})
		}
	}
	return out, nil
}

func clusterTasks(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	out := []map[string]any{}
	for _, t := range c.Tasks {
		if !f.has("Sys.Audit") && t.User != rq.user {
			continue
		}
		m := map[string]any{"upid": t.UPID(), "node": t.Node, "pid": t.PID, "pstart": t.PID * 7, "starttime": t.Start.Unix(),
			"type": t.Type, "id": t.ID, "user": t.User}
		if t.Status != "" {
			m["status"], m["endtime"] = t.Status, t.End.Unix()
		}
		out = append(out, m)
	}
	return out, nil
}

func cephStatus(f *Fake, c *Cluster, _ *request) (any, *apiError) {
	if !f.has("Sys.Audit", "Datastore.Audit") {
		return nil, denied("/", "Sys.Audit|Datastore.Audit")
	}
	if c.Ceph == nil {
		return nil, &apiError{http.StatusInternalServerError, "pveceph configuration not initialized"}
	}
	ce := c.Ceph
	checks := map[string]any{}
	for name, msg := range ce.Checks {
		sev := "HEALTH_WARN"
		if ce.Health == "HEALTH_ERR" {
			sev = "HEALTH_ERR"
		}
		checks[name] = map[string]any{"severity": sev, "muted": false, "summary": map[string]any{"message": msg, "count": 1}}
	}
	var mons []string
	for _, n := range c.Nodes {
		if n.Online && len(mons) < 3 {
			mons = append(mons, n.Name)
		}
	}
	return map[string]any{
		"fsid":         ce.FSID,
		"health":       map[string]any{"status": ce.Health, "checks": checks, "mutes": []any{}},
		"osdmap":       map[string]any{"epoch": 412, "num_osds": ce.OSDs, "num_up_osds": ce.UpOSDs, "num_in_osds": ce.InOSDs, "num_remapped_pgs": 0},
		"pgmap":        map[string]any{"bytes_total": ce.BytesTotal, "bytes_used": ce.BytesUsed, "bytes_avail": ce.BytesTotal - ce.BytesUsed, "num_pools": len(ce.Pools), "num_pgs": 129, "num_objects": 81234, "data_bytes": ce.BytesUsed / 3},
		"quorum_names": mons,
	}, nil
}

// nodeFor resolves the {node} parameter the way pveproxy does: unknown
// names fail, offline members cannot be proxied to.
func nodeFor(c *Cluster, rq *request) (*Node, *apiError) {
	n := c.Node(rq.params["node"])
	if n == nil {
		name := rq.params["node"]
		return nil, &apiError{http.StatusInternalServerError, fmt.Sprintf("hostname lookup '%s' failed - failed to get address info for: %s: Name or service not known", name, name)}
	}
	if !n.Online {
		return nil, &apiError{595, "No route to host"}
	}
	return n, nil
}

func nodeStatus(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	n, aerr := nodeFor(c, rq)
	if aerr != nil {
		return nil, aerr
	}
	if !f.has("Sys.Audit") {
		return nil, denied("/nodes/"+n.Name, "Sys.Audit")
	}
	v := c.Version
	if n.Version != "" {
		v = n.Version
	}
	return map[string]any{
		"cpu":            f.vary(n.CPU, 1, 0.2),
		"cpuinfo":        map[string]any{"cores": n.CPUs / 2, "cpus": n.CPUs, "model": "AMD EPYC 7313P 16-Core Processor", "sockets": 1},
		"memory":         map[string]any{"total": n.MaxMem, "used": n.Mem, "free": n.MaxMem - n.Mem, "available": n.MaxMem - n.Mem},
		"rootfs":         map[string]any{"total": 100 * gib, "used": 12 * gib, "free": 88 * gib, "avail": 83 * gib},
		"pveversion":     "pve-manager/" + v + "/c8a2b1f4",
		"loadavg":        []string{"0.42", "0.38", "0.35"},
		"current-kernel": map[string]any{"machine": "x86_64", "release": "6.14.8-2-pve", "sysname": "Linux", "version": "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2"},
		"boot-info":      map[string]any{"mode": "efi", "secureboot": 0},
		"uptime":         n.Uptime,
		"kversion":       "Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2",
	}, nil
}

func diskList(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	n, aerr := nodeFor(c, rq)
	if aerr != nil {
		return nil, aerr
	}
	if !f.has("Sys.Audit") {
		return nil, denied("/nodes/"+n.Name, "Sys.Audit")
	}
	out := []map[string]any{}
	for _, d := range n.Disks {
		m := map[string]any{"devpath": d.DevPath, "gpt": 1, "mounted": 0, "osdid": d.OSDID, "osdid-list": []int{},
			"size": d.Size, "health": d.Health, "model": d.Model, "serial": d.Serial, "type": d.Type, "rpm": 0,
			"by_id_link": "/dev/disk/by-id/" + strings.ReplaceAll(d.Model, " ", "_") + "_" + d.Serial}
		if d.OSDID >= 0 {
			m["osdid-list"] = []int{d.OSDID}
		}
		if d.Used != "" {
			m["used"] = d.Used
		}
		if d.Vendor != "" {
			m["vendor"] = d.Vendor
		}
		if d.WWN != "" {
			m["wwn"] = d.WWN
		}
		if d.Wearout >= 0 {
			m["wearout"] = d.Wearout
		} else {
			m["wearout"] = "N/A"
		}
		out = append(out, m)
	}
	return out, nil
}

func nodeStorage(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	n, aerr := nodeFor(c, rq)
	if aerr != nil {
		return nil, aerr
	}
	out := []map[string]any{}
	if !f.has("Datastore.Audit", "Datastore.AllocateSpace") {
		return out, nil
	}
	for _, s := range c.Storages {
		if !s.On(n.Name) {
			continue
		}
		m := map[string]any{"storage": s.Name, "type": s.Type, "content": s.Content, "shared": b2i(s.Shared),
			"enabled": b2i(s.Enabled), "active": b2i(s.ActiveOn(n.Name))}
		if s.ActiveOn(n.Name) {
			m["total"], m["used"], m["avail"] = s.Total, s.Used, s.Total-s.Used
			m["used_fraction"] = float64(s.Used) / float64(s.Total)
		}
		out = append(out, m)
	}
	return out, nil
}

func storageContent(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	n, aerr := nodeFor(c, rq)
	if aerr != nil {
		return nil, aerr
	}
	s := c.Storage(rq.params["storage"])
	if s == nil || !s.On(n.Name) {
		return nil, &apiError{http.StatusInternalServerError, fmt.Sprintf("storage '%s' does not exist", rq.params["storage"])}
	}
	if !f.has("Datastore.Audit", "Datastore.AllocateSpace") {
		return nil, denied("/storage/"+s.Name, "Datastore.Audit|Datastore.AllocateSpace")
	}
	if !s.ActiveOn(n.Name) {
		return nil, &apiError{http.StatusInternalServerError, fmt.Sprintf("storage '%s' is not online", s.Name)}
	}
	if ct := rq.query.Get("content"); ct != "" && ct != "backup" {
		return []any{}, nil
	}
	out := []map[string]any{}
	for _, b := range s.Backups {
		if !s.Shared && b.Node != n.Name {
			continue
		}
		if v := rq.query.Get("vmid"); v != "" && v != strconv.Itoa(b.VMID) {
			continue
		}
		format := "vma.zst"
		if b.GuestType == "lxc" {
			format = "tar.zst"
		}
		m := map[string]any{"volid": b.Volid(s.Name), "format": format, "size": b.Size, "ctime": b.Time.Unix(), "vmid": b.VMID}
		if b.Notes != "" {
			m["notes"] = b.Notes
		}
		if b.Protected {
			m["protected"] = 1
		}
		out = append(out, m)
	}
	return out, nil
}

func snapshots(kind string) handler {
	return func(f *Fake, c *Cluster, rq *request) (any, *apiError) {
		n, aerr := nodeFor(c, rq)
		if aerr != nil {
			return nil, aerr
		}
		vmid, _ := strconv.Atoi(rq.params["vmid"])
		g := c.Guest(vmid)
		if g == nil || g.Type != kind || g.Node != n.Name {
			dir := "qemu-server"
			if kind == "lxc" {
				dir = "lxc"
			}
			return nil, &apiError{http.StatusInternalServerError, fmt.Sprintf("Configuration file 'nodes/%s/%s/%s.conf' does not exist", n.Name, dir, rq.params["vmid"])}
		}
		if !f.has("VM.Audit") {
			return nil, denied("/vms/"+strconv.Itoa(vmid), "VM.Audit")
		}
		out := []map[string]any{}
		last := ""
		for _, s := range g.Snapshots {
			m := map[string]any{"name": s.Name, "description": s.Description, "snaptime": s.Time.Unix()}
			if s.Parent != "" {
				m["parent"] = s.Parent
			}
			if kind == "qemu" {
				m["vmstate"] = b2i(s.VMState)
			}
			out = append(out, m)
			last = s.Name
		}
		cur := map[string]any{"name": "current", "description": "You are here!"}
		if last != "" {
			cur["parent"] = last
		}
		return append(out, cur), nil
	}
}

func cephPools(f *Fake, c *Cluster, rq *request) (any, *apiError) {
	if _, aerr := nodeFor(c, rq); aerr != nil {
		return nil, aerr
	}
	if !f.has("Sys.Audit", "Datastore.Audit") {
		return nil, denied("/", "Sys.Audit|Datastore.Audit")
	}
	if c.Ceph == nil {
		return nil, &apiError{http.StatusInternalServerError, "pveceph configuration not initialized"}
	}
	out := []map[string]any{}
	pools := append([]CephPool(nil), c.Ceph.Pools...)
	sort.Slice(pools, func(i, j int) bool { return pools[i].ID < pools[j].ID })
	for _, p := range pools {
		out = append(out, map[string]any{"pool": p.ID, "pool_name": p.Name, "size": p.Size, "min_size": p.MinSize,
			"pg_num": p.PGs, "pg_autoscale_mode": "on", "crush_rule": 0, "crush_rule_name": "replicated_rule",
			"bytes_used": p.BytesUsed, "percent_used": p.PercentUsed, "type": "replicated"})
	}
	return out, nil
}
