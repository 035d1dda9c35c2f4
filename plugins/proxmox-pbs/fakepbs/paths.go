package fakepbs

import "net/url"

// Paths lists every concrete GET path the fake answers for the current
// model, each with the template it instantiates, with the query parameters
// the adapter uses.
func (f *Fake) Paths() [][2]string {
	var out [][2]string
	add := func(tpl, path string) { out = append(out, [2]string{tpl, path}) }
	f.Do(func() {
		for _, p := range []string{"/version", "/access/permissions", "/status/datastore-usage", "/admin/datastore",
			"/admin/gc", "/admin/verify", "/admin/sync", "/admin/prune"} {
			add(p, p)
		}
		for _, p := range []string{"status", "subscription", "identity", "tasks", "tasks?errors=1&since=1&limit=500"} {
			tpl := "/nodes/{node}/" + p
			if p[0] == 't' {
				tpl = "/nodes/{node}/tasks"
			}
			add(tpl, "/nodes/localhost/"+p)
		}
		for _, d := range f.s.Datastores {
			if d.MountStatus == "notmounted" {
				continue
			}
			base := "/admin/datastore/" + d.Name
			add("/admin/datastore/{store}/status", base+"/status")
			add("/admin/datastore/{store}/status", base+"/status?verbose=1")
			add("/admin/datastore/{store}/namespace", base+"/namespace")
			for _, ns := range append([]string{""}, d.Namespaces...) {
				add("/admin/datastore/{store}/groups", base+"/groups?ns="+url.QueryEscape(ns))
			}
			for _, g := range d.Groups {
				q := url.Values{"ns": {g.NS}, "backup-type": {g.Type}, "backup-id": {g.ID}}
				add("/admin/datastore/{store}/snapshots", base+"/snapshots?"+q.Encode())
			}
		}
	})
	return out
}
