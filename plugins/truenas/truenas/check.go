package truenas

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/tnrpc"
)

// check logs in, reports the version and tries every sub-API once.
func (c *conn) check(ctx context.Context) sdk.CheckReport {
	var rep sdk.CheckReport
	v, err := c.client.ServerVersion(ctx)
	if err != nil {
		rep.Checks = append(rep.Checks, sdk.SubCheck{Name: "login", Message: err.Error()})
		return rep
	}
	rep.EndpointVersion = v.Raw
	rep.Checks = append(rep.Checks, sdk.SubCheck{Name: "login", OK: true, Message: "logged in with auth.login_with_api_key over " + scheme(c.set.endpoint)})
	vc := sdk.SubCheck{Name: "version", OK: v.AtLeast(25, 4),
		Message: fmt.Sprintf("TrueNAS %s; snapshots are read with %s", v.Raw, snapshotMethod(v))}
	if !vc.OK {
		vc.Message = fmt.Sprintf("TrueNAS %s is older than 25.04, the first release with the JSON-RPC 2.0 WebSocket API this adapter speaks", v.Raw)
	}
	rep.Checks = append(rep.Checks, vc)
	one := []any{[]any{}, map[string]any{"limit": 1}}
	probes := []struct {
		name, method string
		params       []any
	}{
		{"system", "system.info", nil},
		{"host-id", "system.host_id", nil},
		{"pools", "pool.query", one},
		{"datasets", "pool.dataset.query", []any{[]any{}, map[string]any{"limit": 1, "select": []any{"id"}, "extra": map[string]any{"flat": true, "retrieve_children": false, "properties": []any{"used"}}}}},
		{"disks", "disk.query", one},
		{"disk-temperatures", "disk.temperatures", []any{[]any{}}},
		{"smart", "smart.test.results", one},
		{"snapshots", snapshotMethod(v), one},
		{"replication", "replication.query", one},
		{"cloud-sync", "cloudsync.query", one},
		{"alerts", "alert.list", nil},
		{"apps", "app.query", one},
	}
	results := make([]sdk.SubCheck, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() {
			var sink any
			err := c.client.Call(ctx, p.method, p.params, &sink)
			r := sdk.SubCheck{Name: p.name, OK: err == nil, Message: p.method + " answered"}
			if err != nil {
				r.Message = explain(err, p.method).Error()
				if errors.Is(err, tnrpc.ErrAccessDenied) {
					r.MissingPrivilege = methodRoles[p.method]
				}
			}
			results[i] = r
		})
	}
	wg.Wait()
	rep.Checks = append(rep.Checks, results...)
	return rep
}

// scheme names the transport the key travelled over.
func scheme(endpoint string) string {
	if len(endpoint) >= 4 && endpoint[:4] == "wss:" {
		return "wss (TLS)"
	}
	return "ws (no TLS: allow_insecure_transport is set)"
}
