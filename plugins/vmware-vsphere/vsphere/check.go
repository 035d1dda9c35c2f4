package vsphere

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Sub-check names, in the order Check reports them.
const (
	checkLogin       = "login"
	checkAbout       = "about"
	checkInventory   = "inventory"
	checkPerformance = "performance"
	checkAlarms      = "alarms/events"
)

// Check tests the connection for real: login, About (refusing a direct ESXi
// endpoint), an inventory read, the performance manager and the alarm,
// event and task history paths. Missing privileges are named.
func (a *Adapter) Check(ctx context.Context, name string) (sdk.CheckReport, error) {
	cn, err := a.conn(name)
	if err != nil {
		return sdk.CheckReport{}, err
	}
	var rep sdk.CheckReport
	skip := func(why string, names ...string) {
		for _, n := range names {
			rep.Checks = append(rep.Checks, sdk.SubCheck{Name: n, Message: "not checked: " + why})
		}
	}
	st, err := cn.session(ctx)
	switch {
	case errors.Is(err, errDirectESXi):
		rep.Checks = append(rep.Checks,
			sdk.SubCheck{Name: checkLogin, Message: "not attempted: the endpoint is ESXi, not vCenter"},
			sdk.SubCheck{Name: checkAbout, Message: err.Error()})
		skip("direct ESXi endpoints are refused", checkInventory, checkPerformance, checkAlarms)
		return rep, nil
	case err != nil:
		rep.Checks = append(rep.Checks, subCheck(checkLogin, "", err))
		skip("login failed", checkAbout, checkInventory, checkPerformance, checkAlarms)
		return rep, nil
	}
	rep.Checks = append(rep.Checks, sdk.SubCheck{Name: checkLogin, OK: true, Message: "logged in as " + cn.cfg.Username})
	ab := st.about
	rep.EndpointVersion = fmt.Sprintf("%s (build %s)", ab.Version, ab.Build)
	rep.Checks = append(rep.Checks, sdk.SubCheck{Name: checkAbout, OK: true,
		Message: fmt.Sprintf("%s, API type %s, API version %s", ab.FullName, ab.ApiType, ab.ApiVersion)})

	var inv *inventory
	err = cn.do(ctx, func(ctx context.Context, st *state) error {
		var err error
		inv, err = cn.retrieve(ctx, st)
		return err
	})
	switch {
	case err != nil:
		rep.Checks = append(rep.Checks, subCheck(checkInventory, "", err))
	case len(inv.denied) > 0:
		rep.Checks = append(rep.Checks, sdk.SubCheck{Name: checkInventory, MissingPrivilege: inv.denied[0],
			Message: fmt.Sprintf("some properties are hidden: the role lacks %q on part of the inventory (grant it on the vCenter root, propagated)", inv.denied)})
	default:
		msg := fmt.Sprintf("%d hosts, %d VMs, %d datastores visible", len(inv.hosts), len(inv.vms), len(inv.datastores))
		if len(inv.hosts) == 0 {
			msg += " (no hosts: is the role granted on the vCenter root with propagation?)"
		}
		rep.Checks = append(rep.Checks, sdk.SubCheck{Name: checkInventory, OK: true, Message: msg})
	}

	err = cn.do(ctx, func(ctx context.Context, st *state) error { return cn.checkPerf(ctx, st, inv) })
	rep.Checks = append(rep.Checks, subCheck(checkPerformance, "realtime counters readable", err))

	var alarms int
	err = cn.do(ctx, func(ctx context.Context, st *state) error {
		var err error
		alarms, err = cn.checkAlarms(ctx, st)
		return err
	})
	rep.Checks = append(rep.Checks, subCheck(checkAlarms, fmt.Sprintf("%d alarm definitions; event and task history readable", alarms), err))
	return rep, nil
}

// checkPerf reads the counters and runs one realtime query for one host.
func (cn *conn) checkPerf(ctx context.Context, st *state, inv *inventory) error {
	counters, _, err := cn.perfSetup(ctx, st)
	if err != nil {
		return err
	}
	for _, pm := range perfMetrics {
		if _, ok := counters[pm.counter]; !ok {
			return fmt.Errorf("counter %s not offered by the server", pm.counter)
		}
	}
	if inv == nil {
		return nil
	}
	for _, r := range sortedRefs(inv.hosts) {
		if inv.hosts[r].Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
			continue
		}
		_, err := methods.QueryPerf(ctx, st.c, &types.QueryPerf{This: *st.c.ServiceContent.PerfManager, QuerySpec: []types.PerfQuerySpec{{
			Entity: r, MaxSample: 1, IntervalId: realtimeInterval,
			MetricId: []types.PerfMetricId{{CounterId: counters[perfMetrics[0].counter]}},
		}}})
		if err != nil {
			return fmt.Errorf("query perf for %s: %w", r.Value, err)
		}
		break
	}
	return nil
}

// checkAlarms lists the alarm definitions and makes sure the event and
// task history collectors exist.
func (cn *conn) checkAlarms(ctx context.Context, st *state) (int, error) {
	am := st.c.ServiceContent.AlarmManager
	if am == nil {
		return 0, fmt.Errorf("alarm manager not available")
	}
	res, err := methods.GetAlarm(ctx, st.c, &types.GetAlarm{This: *am})
	if err != nil {
		return 0, fmt.Errorf("list alarms: %w", err)
	}
	cn.historySpec(ctx, st)
	st.mu.Lock()
	herr := st.historyErr
	st.mu.Unlock()
	if herr != nil {
		return len(res.Returnval), herr
	}
	return len(res.Returnval), nil
}

// subCheck builds a sub-check from an error, naming a missing privilege.
func subCheck(name, okMsg string, err error) sdk.SubCheck {
	if err == nil {
		return sdk.SubCheck{Name: name, OK: true, Message: okMsg}
	}
	sc := sdk.SubCheck{Name: name, Message: err.Error(), MissingPrivilege: missingPrivilege(err)}
	if sc.MissingPrivilege != "" {
		sc.Message = fmt.Sprintf("the role lacks privilege %s: %v", sc.MissingPrivilege, err)
	}
	return sc
}
