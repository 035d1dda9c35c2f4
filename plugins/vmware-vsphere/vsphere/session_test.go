package vsphere_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/internal/simlab"
)

var tiny = simlab.Shape{Datacenters: 1, Clusters: 1, HostsPerCluster: 2, VMsPerPool: 2, Datastores: 1}

func TestOneSessionAcross50Collects(t *testing.T) {
	l := newLab(t, tiny)
	ctx := testCtx(t)
	obs := l.observer(ctx)
	for i := range 50 {
		if snap := l.collect(ctx); len(snap.Resources) == 0 {
			t.Fatalf("collect %d: no resources", i)
		}
	}
	if _, err := l.client.Check(ctx, "vc"); err != nil {
		t.Fatal(err)
	}
	l.configure("vc", l.addr) // the core re-sending the same configuration keeps the session
	l.collect(ctx)
	if n := l.sessions(ctx, obs, simlab.User); n != 1 {
		t.Fatalf("sessions of %s after 50 collects, a check and a re-configure = %d, want 1", simlab.User, n)
	}
	if err := l.client.Close(ctx, "vc"); err != nil {
		t.Fatal(err)
	}
	if n := l.sessions(ctx, obs, simlab.User); n != 0 {
		t.Fatalf("sessions after Close = %d, want 0 (logged out)", n)
	}
}

func TestReloginAfterSessionExpiry(t *testing.T) {
	l := newLab(t, tiny)
	ctx := testCtx(t)
	obs := l.observer(ctx)
	l.collect(ctx)
	// Terminate our session behind the adapter's back, as an idle timeout would.
	var sm mo.SessionManager
	if err := obs.RetrieveOne(ctx, *obs.ServiceContent.SessionManager, []string{"sessionList"}, &sm); err != nil {
		t.Fatal(err)
	}
	for _, s := range sm.SessionList {
		if s.UserName == simlab.User {
			if _, err := methods.TerminateSession(ctx, obs.Client, &types.TerminateSession{This: *obs.ServiceContent.SessionManager, SessionId: []string{s.Key}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := l.sessions(ctx, obs, simlab.User); n != 0 {
		t.Fatalf("sessions after terminate = %d", n)
	}
	if snap := l.collect(ctx); len(snap.Resources) == 0 {
		t.Fatal("collect after expiry returned nothing")
	}
	if n := l.sessions(ctx, obs, simlab.User); n != 1 {
		t.Fatalf("sessions after re-login = %d, want 1", n)
	}
}

func TestRecoversAfterSimulatorRestart(t *testing.T) {
	l := newLab(t, tiny)
	ctx := testCtx(t)
	before := l.collect(ctx)

	// The vCenter restarts: a new simulator on the same address.
	addr := l.addr
	l.srv.Close()
	l.model.Remove()
	l.model = simlab.VPX(tiny)
	if err := l.model.Create(); err != nil {
		t.Fatal(err)
	}
	l.serve(addr)

	after := l.collect(ctx)
	if len(after.Resources) != len(before.Resources) {
		t.Fatalf("resources after restart = %d, before = %d", len(after.Resources), len(before.Resources))
	}
	if n := l.sessions(ctx, l.observer(ctx), simlab.User); n != 1 {
		t.Fatalf("sessions on the restarted simulator = %d, want 1", n)
	}
}

func TestDirectESXiRefused(t *testing.T) {
	m := simulator.ESX()
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	l := newLabFromModel(t, m)
	ctx := testCtx(t)
	rep, err := l.client.Check(ctx, "vc")
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Checks) != 5 || rep.Checks[1].Name != "about" || !strings.Contains(rep.Checks[1].Message, "vCenter only") {
		t.Fatalf("check = %+v", rep)
	}
	if _, err := collectConn(ctx, l, "vc"); err == nil || !strings.Contains(err.Error(), "vCenter only") {
		t.Fatalf("collect err = %v, want a vCenter-only refusal", err)
	}
	// Nothing logged in: the refusal comes from About, before Login.
	if n := l.sessions(ctx, l.observer(ctx), simlab.User); n != 0 {
		t.Fatalf("sessions on the ESXi endpoint = %d, want 0", n)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		privilege string
		failing   string
	}{
		{name: "all good"},
		{name: "no inventory read", method: "RetrievePropertiesEx", privilege: "System.Read", failing: "inventory"},
		{name: "no performance", method: "QueryPerf", privilege: "System.View", failing: "performance"},
		{name: "no alarms", method: "GetAlarm", privilege: "System.View", failing: "alarms/events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLab(t, tiny)
			ctx := testCtx(t)
			if tt.method != "" {
				l.model.Service.AddFaultRule(&simulator.FaultInjectionRule{
					MethodName: tt.method, ObjectType: "*", ObjectName: "*", Probability: 1, Enabled: true,
					FaultType: simulator.FaultTypeCustom, Fault: &types.NoPermission{PrivilegeId: tt.privilege},
				})
			}
			rep, err := l.client.Check(ctx, "vc")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range rep.Checks {
				names = append(names, c.Name)
				want := c.Name != tt.failing
				if c.OK != want {
					t.Errorf("%s ok = %v (%s), want %v", c.Name, c.OK, c.Message, want)
				}
				if c.Name == tt.failing && (c.MissingPrivilege != tt.privilege || !strings.Contains(c.Message, tt.privilege)) {
					t.Errorf("%s = %+v, want missing privilege %s named", c.Name, c, tt.privilege)
				}
			}
			if strings.Join(names, ",") != "login,about,inventory,performance,alarms/events" {
				t.Errorf("sub-checks = %v", names)
			}
			if !strings.Contains(rep.EndpointVersion, "build") {
				t.Errorf("endpoint version = %q", rep.EndpointVersion)
			}
		})
	}
}

func TestExecuteRefused(t *testing.T) {
	l := newLab(t, tiny)
	ctx := testCtx(t)
	for _, action := range []string{"vm.power-off", "snapshot.create", ""} {
		msg, err := l.client.Execute(ctx, "vc", sdk.Action{Name: action, Target: "vm-1"})
		if !errors.Is(err, sdk.ErrActionRefused) || !strings.Contains(err.Error(), "read-only in phase 1") || msg != "" {
			t.Errorf("execute %q = %q, %v; want ErrActionRefused with a read-only reason", action, msg, err)
		}
	}
}

func TestDatacenterFilter(t *testing.T) {
	l := newLab(t, goldenShape)
	ctx := testCtx(t)
	l.configureWith("only-dc0", map[string]any{"datacenters": []string{"DC0"}})
	snap, err := collectConn(ctx, l, "only-dc0")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Resources) != 10 { // 3 hosts, 1 datastore, 6 VMs
		t.Errorf("resources = %d, want 10", len(snap.Resources))
	}
	for _, r := range snap.Resources {
		if r.Topology["datacenter"] != "DC0" {
			t.Errorf("%s %s in datacenter %q", r.Type, r.Name, r.Topology["datacenter"])
		}
	}
	l.configureWith("bad", map[string]any{"datacenters": []string{"nope"}})
	if _, err := collectConn(ctx, l, "bad"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown datacenter: err = %v", err)
	}
}
