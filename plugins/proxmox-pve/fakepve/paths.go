package fakepve

import (
	"strconv"
	"strings"
)

// Paths lists every concrete GET path the fake answers for the current
// cluster, each with the template it instantiates: every node, storage and
// guest, with and without the query parameters the adapter uses.
func (f *Fake) Paths() [][2]string {
	var out [][2]string
	add := func(tpl, path string) { out = append(out, [2]string{tpl, path}) }
	for _, mt := range f.srv.Templates() {
		method, tpl, _ := strings.Cut(mt, " ")
		if method != "GET" || strings.Contains(tpl, "{") {
			continue
		}
		add(tpl, tpl)
	}
	var c *Cluster
	f.srv.Do(func() { c = f.cluster.Clone() })
	for _, t := range []string{"vm", "storage", "node", "sdn"} {
		add("/cluster/resources", "/cluster/resources?type="+t)
	}
	for _, n := range c.Nodes {
		base := "/nodes/" + n.Name
		add("/nodes/{node}/status", base+"/status")
		add("/nodes/{node}/disks/list", base+"/disks/list")
		add("/nodes/{node}/storage", base+"/storage")
		add("/nodes/{node}/ceph/pool", base+"/ceph/pool")
		for _, s := range c.Storages {
			if s.On(n.Name) {
				p := base + "/storage/" + s.Name + "/content"
				add("/nodes/{node}/storage/{storage}/content", p)
				add("/nodes/{node}/storage/{storage}/content", p+"?content=backup")
			}
		}
	}
	for _, g := range c.Guests {
		add("/nodes/{node}/"+g.Type+"/{vmid}/snapshot", "/nodes/"+g.Node+"/"+g.Type+"/"+strconv.Itoa(g.VMID)+"/snapshot")
	}
	return out
}

// Undeclared returns the properties the real API returns on template
// although pve-apidoc.json does not declare them; the schema test allows
// exactly these and nothing else.
func Undeclared(template string) map[string]bool {
	var names []string
	switch template {
	case "/cluster/tasks":
		// The schema declares only upid; pveproxy returns the task list entries.
		names = []string{"node", "pid", "pstart", "starttime", "type", "id", "user", "endtime", "status"}
	case "/nodes/{node}/disks/list":
		// PVE::Diskmanage adds these to every disk entry.
		names = []string{"wearout", "type", "rpm", "by_id_link"}
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}
