package pmg

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// minMajor is the oldest Proxmox Mail Gateway major version accepted.
const minMajor = 7

// check tests the connection: the ticket login, every endpoint, version,
// and each API the adapter reads (cluster, node status, postfix queues,
// statistics, quarantine), naming the role a refusal points to.
func (c *conn) check(ctx context.Context) sdk.CheckReport {
	var rep sdk.CheckReport
	add := func(sc sdk.SubCheck) { rep.Checks = append(rep.Checks, sc) }
	fail := func(name string, err error) {
		sc := sdk.SubCheck{Name: name, Message: pxclient.Explain(err)}
		if ae, ok := pxclient.AsAPIError(err); ok && ae.Privilege() != "" {
			sc.MissingPrivilege = ae.Privilege()
			sc.Message += " (give the user the audit role)"
		}
		add(sc)
	}
	var ver versionInfo
	if err := c.client.Get(ctx, "/version", &ver); err != nil {
		msg := pxclient.Explain(err)
		if errors.Is(err, pxclient.ErrUnauthorized) {
			msg = "the login was refused: check username (with its realm, e.g. pulse@pmg) and password; PMG has no API tokens"
		}
		add(sdk.SubCheck{Name: "auth", Message: msg})
		return rep
	}
	add(sdk.SubCheck{Name: "auth", OK: true, Message: c.client.Identity()})
	var up, down []string
	for i, u := range c.client.Endpoints() {
		var v versionInfo
		if err := c.client.GetFrom(ctx, i, "/version", &v); err != nil {
			down = append(down, u+" ("+pxclient.Describe(err)+")")
		} else {
			up = append(up, u)
		}
	}
	sc := sdk.SubCheck{Name: "endpoints", OK: len(up) > 0, Message: fmt.Sprintf("%d of %d endpoints answer", len(up), len(up)+len(down))}
	if len(down) > 0 {
		sc.Message += "; unreachable: " + strings.Join(down, ", ")
	}
	add(sc)
	rep.EndpointVersion = ver.Version
	if major, _ := strconv.Atoi(strings.SplitN(ver.Version, ".", 2)[0]); major < minMajor {
		add(sdk.SubCheck{Name: "version", Message: fmt.Sprintf("Proxmox Mail Gateway %s is older than the supported %d.0", ver.Version, minMajor)})
	} else {
		add(sdk.SubCheck{Name: "version", OK: true, Message: "Proxmox Mail Gateway " + ver.Version + "-" + ver.Release})
	}

	var members []clusterNode
	if err := c.client.Get(ctx, "/config/cluster/status?list_single_node=1", &members); err != nil {
		fail("cluster", err)
		return rep
	}
	add(sdk.SubCheck{Name: "cluster", OK: len(members) > 0, Message: fmt.Sprintf("%d nodes", len(members))})
	if len(members) == 0 {
		return rep
	}
	n := members[0]
	var st nodeStatus
	if err := c.client.Get(ctx, "/nodes/"+n.Name+"/status", &st); err != nil {
		fail("node status", err)
	} else {
		add(sdk.SubCheck{Name: "node status", OK: true, Message: fmt.Sprintf("node %s up %d s", n.Name, st.Uptime)})
	}
	var q []queued
	if total, err := c.client.GetTotal(ctx, "/nodes/"+n.Name+"/postfix/queue/deferred?limit=1", &q); err != nil {
		fail("postfix queues", err)
	} else {
		add(sdk.SubCheck{Name: "postfix queues", OK: true, Message: fmt.Sprintf("%d deferred on node %s", max(total, int64(len(q))), n.Name)})
	}
	var ms mailStats
	if err := c.client.Get(ctx, "/statistics/mail", &ms); err != nil {
		fail("statistics", err)
	} else {
		add(sdk.SubCheck{Name: "statistics", OK: true, Message: fmt.Sprintf("%.0f mails in the last day", ms.Count)})
	}
	var qs quarantineStatus
	if err := c.client.Get(ctx, "/quarantine/spamstatus", &qs); err != nil {
		fail("quarantine", err)
	} else {
		add(sdk.SubCheck{Name: "quarantine", OK: true, Message: fmt.Sprintf("%d mails in the spam quarantine", qs.Count)})
	}
	return rep
}
