package pbs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// minMajor is the oldest Proxmox Backup Server major version accepted.
const minMajor = 3

// check tests the connection: credentials, every endpoint, version, and
// each sub-API the adapter reads (datastores, namespaces, snapshots,
// tasks, jobs), naming the privilege a refusal or an empty answer points to.
// PBS filters lists it will not show rather than refusing them, so the
// privileges come from /access/permissions.
func (c *conn) check(ctx context.Context) sdk.CheckReport {
	var rep sdk.CheckReport
	add := func(sc sdk.SubCheck) { rep.Checks = append(rep.Checks, sc) }
	fail := func(name string, err error, priv string) {
		sc := sdk.SubCheck{Name: name, Message: pxclient.Explain(err), MissingPrivilege: priv}
		if ae, ok := pxclient.AsAPIError(err); ok && ae.Privilege() != "" {
			sc.MissingPrivilege = ae.Privilege()
		}
		add(sc)
	}

	var ver versionInfo
	if err := c.client.Get(ctx, "/version", &ver); err != nil {
		msg := pxclient.Explain(err)
		if errors.Is(err, pxclient.ErrUnauthorized) {
			if c.client.UsesToken() {
				msg = "the API token was refused: check token_id (user@realm!tokenname), token_secret, and that the token is enabled and not expired"
			} else {
				msg = "the login was refused: check username (with its realm, e.g. pulse@pbs) and password"
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
		add(sdk.SubCheck{Name: "version", Message: fmt.Sprintf("Proxmox Backup Server %s is older than the supported %d.0 (namespaces need 2.2, the adapter is tested against 3 and 4)", ver.Version, minMajor)})
	} else {
		add(sdk.SubCheck{Name: "version", OK: true, Message: "Proxmox Backup Server " + ver.Version + "-" + ver.Release})
	}

	privs := c.privileges(ctx)
	lacks := func(p string) bool { return privs != nil && !privs[p] }

	var st nodeStatus
	if err := c.client.Get(ctx, node+"/status", &st); err != nil {
		fail("server status", err, "Sys.Audit")
	} else {
		add(sdk.SubCheck{Name: "server status", OK: true, Message: fmt.Sprintf("%d CPUs, up %d s", st.CPUInfo.CPUs, st.Uptime)})
	}

	var stores []datastore
	err := c.client.Get(ctx, "/admin/datastore", &stores)
	switch {
	case err != nil:
		fail("datastores", err, "Datastore.Audit")
	case len(stores) == 0 && lacks("Datastore.Audit"):
		add(sdk.SubCheck{Name: "datastores", MissingPrivilege: "Datastore.Audit",
			Message: "no datastore is visible: grant Datastore.Audit on /datastore (the Audit role) to the token or user"})
	case len(stores) == 0:
		add(sdk.SubCheck{Name: "datastores", OK: true, Message: "the server has no datastore"})
	default:
		add(sdk.SubCheck{Name: "datastores", OK: true, Message: fmt.Sprintf("%d datastores visible", len(stores))})
	}

	var probe *datastore
	for i := range stores {
		if unreadable(stores[i], nil) == "" {
			probe = &stores[i]
			break
		}
	}
	if probe != nil {
		base := "/admin/datastore/" + url.PathEscape(probe.Store)
		var nss []namespace
		if err := c.client.Get(ctx, base+"/namespace", &nss); err != nil {
			fail("namespaces", err, "Datastore.Audit")
		} else {
			add(sdk.SubCheck{Name: "namespaces", OK: true, Message: fmt.Sprintf("%d namespaces in datastore %s", len(nss), probe.Store)})
		}
		var gs []group
		if err := c.client.Get(ctx, base+"/groups", &gs); err != nil {
			fail("snapshots", err, "Datastore.Audit")
		} else {
			sc := sdk.SubCheck{Name: "snapshots", OK: true, Message: fmt.Sprintf("%d backup groups in the root namespace of %s", len(gs), probe.Store)}
			if len(gs) > 0 {
				var ss []snapshot
				q := url.Values{"backup-type": {gs[0].Type}, "backup-id": {gs[0].ID}}
				if err := c.client.Get(ctx, base+"/snapshots?"+q.Encode(), &ss); err != nil {
					fail("snapshots", err, "Datastore.Audit")
					sc.Name = ""
				} else {
					sc.Message += fmt.Sprintf("; listed %d snapshots of %s/%s", len(ss), gs[0].Type, gs[0].ID)
				}
			}
			if sc.Name != "" {
				add(sc)
			}
		}
	}

	var ts []task
	if err := c.client.Get(ctx, node+"/tasks?limit=1", &ts); err != nil {
		fail("tasks", err, "Sys.Audit")
	} else if lacks("Sys.Audit") {
		add(sdk.SubCheck{Name: "tasks", MissingPrivilege: "Sys.Audit",
			Message: "only the token's own tasks are visible: grant Sys.Audit on /system (the Audit role) to see failed backups, verifies and syncs"})
	} else {
		add(sdk.SubCheck{Name: "tasks", OK: true, Message: "task list readable"})
	}

	n := 0
	var jobErr error
	for _, p := range []string{"/admin/verify", "/admin/sync", "/admin/prune", "/admin/gc"} {
		var js []map[string]any
		if err := c.client.Get(ctx, p, &js); err != nil {
			jobErr = err
			break
		}
		n += len(js)
	}
	switch {
	case jobErr != nil:
		fail("jobs", jobErr, "Datastore.Audit")
	case n == 0 && lacks("Datastore.Audit"):
		add(sdk.SubCheck{Name: "jobs", MissingPrivilege: "Datastore.Audit", Message: "no job is visible: grant Datastore.Audit on /datastore"})
	default:
		add(sdk.SubCheck{Name: "jobs", OK: true, Message: fmt.Sprintf("%d verify, sync, prune and GC schedules visible", n)})
	}
	return rep
}

// checkEndpoints asks every endpoint for its version, without failover.
func (c *conn) checkEndpoints(ctx context.Context) sdk.SubCheck {
	var up, down []string
	eps := c.client.Endpoints()
	for i, u := range eps {
		var v versionInfo
		if err := c.client.GetFrom(ctx, i, "/version", &v); err != nil {
			down = append(down, u+" ("+pxclient.Describe(err)+")")
			continue
		}
		up = append(up, u)
	}
	sc := sdk.SubCheck{Name: "endpoints", OK: len(up) > 0, Message: fmt.Sprintf("%d of %d endpoints answer", len(up), len(eps))}
	if len(down) > 0 {
		sc.Message += "; unreachable: " + strings.Join(down, ", ")
	}
	return sc
}

// privileges reads /access/permissions (the caller's own) and returns every
// privilege granted anywhere, or nil when it cannot tell.
func (c *conn) privileges(ctx context.Context) map[string]bool {
	var perms map[string]map[string]any
	if err := c.client.Get(ctx, "/access/permissions", &perms); err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, ps := range perms {
		for p := range ps { // the value is the propagate flag; presence is the grant
			out[p] = true
		}
	}
	return out
}
