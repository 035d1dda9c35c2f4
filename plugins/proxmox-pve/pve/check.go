package pve

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// minMajor is the oldest Proxmox VE major version the adapter accepts.
const minMajor = 7

// requiredPrivileges are what the adapter needs on "/" (README: the
// PulseMonitor role).
var requiredPrivileges = []struct{ path, priv, why string }{
	{"/", "Sys.Audit", "nodes, cluster status, disks, Ceph and tasks"},
	{"/vms", "VM.Audit", "guests and their snapshots"},
	{"/storage", "Datastore.Audit", "storages and backup listings"},
}

// check tests the connection: credentials, every member, version, and each
// API the adapter reads, naming the privilege a refusal points to.
func (c *conn) check(ctx context.Context) sdk.CheckReport {
	var rep sdk.CheckReport
	add := func(sc sdk.SubCheck) { rep.Checks = append(rep.Checks, sc) }
	fail := func(name string, err error, priv string) {
		sc := sdk.SubCheck{Name: name, Message: explain(err), MissingPrivilege: priv}
		if ae, ok := apiError(err); ok && ae.Privilege() != "" {
			sc.MissingPrivilege = ae.Privilege()
		}
		add(sc)
	}

	// auth: a ticket login, or the token on /version.
	var ver versionInfo
	err := c.client.get(ctx, "/version", &ver)
	if err != nil {
		msg := explain(err)
		if statusIs(err, http.StatusUnauthorized) {
			if c.client.UsesToken() {
				msg = "the API token was refused: check token_id (user@realm!tokenid), token_secret, and that the token has not expired"
			} else {
				msg = "the login was refused: check username (with its realm, e.g. root@pam) and password"
			}
		}
		add(sdk.SubCheck{Name: "auth", Message: msg})
		return rep
	}
	add(sdk.SubCheck{Name: "auth", OK: true, Message: c.client.Identity()})
	add(c.checkEndpoints(ctx))

	rep.EndpointVersion = ver.Version
	major, _ := strconv.Atoi(strings.SplitN(ver.Version, ".", 2)[0])
	if major < minMajor {
		add(sdk.SubCheck{Name: "version", Message: fmt.Sprintf("Proxmox VE %s is older than the supported %d.0", ver.Version, minMajor)})
	} else {
		add(sdk.SubCheck{Name: "version", OK: true, Message: "Proxmox VE " + ver.Version})
	}

	status, err := c.client.clusterStatus(ctx)
	if err != nil {
		fail("cluster/status", err, "")
	} else {
		add(sdk.SubCheck{Name: "cluster/status", OK: true, Message: describeStatus(status)})
	}

	missing := c.missingPrivileges(ctx)
	res, err := c.client.clusterResources(ctx)
	var nodes, guests, stores int
	var probe *clusterRes
	if err != nil {
		fail("cluster/resources", err, "")
	} else {
		for i := range res {
			switch r := &res[i]; r.Type {
			case "node":
				nodes++
			case "qemu", "lxc":
				guests++
			case "storage":
				stores++
				if r.Status == "available" && (probe == nil || hasContent(r.Content, "backup") && !hasContent(probe.Content, "backup")) {
					probe = r
				}
			}
		}
		sc := sdk.SubCheck{Name: "cluster/resources", OK: true,
			Message: fmt.Sprintf("%d nodes, %d guests, %d storage entries visible", nodes, guests, stores)}
		switch {
		case nodes == 0:
			sc.OK, sc.MissingPrivilege = false, "Sys.Audit"
			sc.Message = "no node is visible: grant Sys.Audit on / to the token or user"
		case missing["VM.Audit"]:
			sc.OK, sc.MissingPrivilege = false, "VM.Audit"
			sc.Message += "; guests are invisible without VM.Audit on /vms (or /)"
		}
		add(sc)
	}

	switch {
	case err != nil:
	case probe == nil:
		sc := sdk.SubCheck{Name: "storage", Message: "no active storage is visible"}
		if stores == 0 || missing["Datastore.Audit"] {
			sc.MissingPrivilege = "Datastore.Audit"
			sc.Message += ": grant Datastore.Audit on /storage (or /)"
		}
		add(sc)
	default:
		var list []content
		p := nodePath(probe.Node, "storage", probe.Storage, "content") + "?content=backup"
		if err := c.client.get(ctx, p, &list); err != nil {
			fail("storage", err, "Datastore.Audit")
		} else {
			add(sdk.SubCheck{Name: "storage", OK: true, Message: fmt.Sprintf("listed backups on %s of node %s (%d found)", probe.Storage, probe.Node, len(list))})
		}
		var disks []disk
		if err := c.client.get(ctx, nodePath(probe.Node, "disks", "list"), &disks); err != nil {
			fail("disks", err, "Sys.Audit")
		} else {
			add(sdk.SubCheck{Name: "disks", OK: true, Message: fmt.Sprintf("%d disks listed on node %s", len(disks), probe.Node)})
		}
	}

	ceph, err := c.client.cephStatus(ctx)
	switch {
	case err == nil:
		add(sdk.SubCheck{Name: "ceph", OK: true, Message: fmt.Sprintf("%s, %d OSDs (%d up, %d in)", ceph.Health.Status,
			ceph.OSDMap.NumOSDs, ceph.OSDMap.NumUpOSDs, ceph.OSDMap.NumInOSDs)})
	case noCeph(err):
		// The cluster has no Ceph: nothing to check.
	default:
		fail("ceph", err, "")
	}
	return rep
}

// checkEndpoints asks every member for its version, without failover.
func (c *conn) checkEndpoints(ctx context.Context) sdk.SubCheck {
	var up, down []string
	eps := c.client.Endpoints()
	for i, url := range eps {
		var v versionInfo
		if err := c.client.GetFrom(ctx, i, "/version", &v); err != nil {
			down = append(down, url+" ("+describe(err)+")")
			continue
		}
		up = append(up, url)
	}
	sc := sdk.SubCheck{Name: "endpoints", OK: len(up) > 0}
	sc.Message = fmt.Sprintf("%d of %d members answer", len(up), len(eps))
	if len(down) > 0 {
		sc.Message += "; unreachable: " + strings.Join(down, ", ")
	}
	return sc
}

// missingPrivileges reads /access/permissions and returns the required
// privileges the credentials lack; it returns nothing when it cannot tell.
func (c *conn) missingPrivileges(ctx context.Context) map[string]bool {
	var perms map[string]map[string]any
	if err := c.client.get(ctx, "/access/permissions", &perms); err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, r := range requiredPrivileges {
		if !hasPrivilege(perms, r.path, r.priv) {
			out[r.priv] = true
		}
	}
	return out
}

// hasPrivilege looks for priv on path or any parent path.
func hasPrivilege(perms map[string]map[string]any, path, priv string) bool {
	for p := path; ; {
		if _, ok := perms[p][priv]; ok {
			return true
		}
		if p == "/" {
			return false
		}
		i := strings.LastIndex(p, "/")
		if i <= 0 {
			p = "/"
		} else {
			p = p[:i]
		}
	}
}

func describeStatus(st []statusEntry) string {
	var cluster string
	nodes, online := 0, 0
	for _, e := range st {
		switch e.Type {
		case "cluster":
			cluster = e.Name
		case "node":
			nodes++
			if e.Online {
				online++
			}
		}
	}
	if cluster == "" {
		return "standalone node"
	}
	return fmt.Sprintf("cluster %s, %d nodes (%d online)", cluster, nodes, online)
}

// versionInfo is the answer of GET /version.
type versionInfo struct {
	Version string `json:"version"`
	Release string `json:"release"`
	RepoID  string `json:"repoid"`
}
