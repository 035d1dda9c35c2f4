package vsphere

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// The declaration must be exactly the governed phase-1 row: never more.
func TestDeclarationMatchesGovernedModel(t *testing.T) {
	p, ok := platform.Lookup(Declaration.Platform)
	if !ok {
		t.Fatal("vmware-vsphere is not governed")
	}
	if p.Readiness == platform.ReadinessSupported {
		t.Error("the model says vmware-vsphere is supported; this adapter is built for first-lab-ready")
	}
	if Declaration.Family != p.Family || Declaration.Mode != p.Mode || Declaration.Onboarding != p.Onboarding {
		t.Errorf("family/mode/onboarding = %s/%s/%s, model %s/%s/%s",
			Declaration.Family, Declaration.Mode, Declaration.Onboarding, p.Family, p.Mode, p.Onboarding)
	}
	for _, ty := range Declaration.Projections {
		if err := platform.CheckProjection(p, string(ty)); err != nil {
			t.Error(err)
		}
	}
	for _, s := range platform.Surfaces {
		got, want := Declaration.Surfaces[s], p.Floor.Class(s)
		if got != want {
			t.Errorf("surface %s = %q, model %q", s, got, want)
		}
	}
	for _, k := range Declaration.IdentityKeys {
		if !resource.IsKeyKind(k) {
			t.Errorf("identity key %q unknown", k)
		}
	}
	if len(Declaration.Actions) != 0 || len(Declaration.Augmentation) != 0 {
		t.Errorf("actions %v / augmentation %v declared; phase 1 has none", Declaration.Actions, Declaration.Augmentation)
	}
	for _, excluded := range []resource.Type{resource.TypePhysicalDisk, resource.TypeSystemContainer, resource.TypeAppContainer} {
		if slices.Contains(Declaration.Projections, excluded) {
			t.Errorf("projects excluded type %s", excluded)
		}
	}
}

func TestSchema(t *testing.T) {
	for _, a := range Schema {
		switch a.Name {
		case "enabled", "poll_interval", "timeout", "tls":
			t.Errorf("schema declares the core's common attribute %q", a.Name)
		case "password":
			if !a.Sensitive || !a.Required {
				t.Errorf("password must be required and sensitive: %+v", a)
			}
		}
	}
}

func TestNormaliseEndpoint(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "vcenter.example", want: "https://vcenter.example/sdk"},
		{in: "vcenter.example:8443", want: "https://vcenter.example:8443/sdk"},
		{in: "https://vcenter.example", want: "https://vcenter.example/sdk"},
		{in: "https://vcenter.example/", want: "https://vcenter.example/sdk"},
		{in: "https://vcenter.example/sdk", want: "https://vcenter.example/sdk"},
		{in: " https://10.0.0.5/sdk/ ", want: "https://10.0.0.5/sdk"},
		{in: "", err: "required"},
		{in: "ftp://vcenter.example", err: "scheme"},
		{in: "https://admin:secret@vcenter.example", err: "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := normaliseEndpoint(tt.in)
			if tt.err != "" {
				if err == nil || !contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("= %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name string
		cfg  map[string]any
		ok   bool
	}{
		{"minimal", map[string]any{"endpoint": "vc.lab", "username": "u", "password": "p"}, true},
		{"all", map[string]any{"endpoint": "vc.lab", "username": "u", "password": "p", "datacenters": []string{"DC0"}, "perf_interval": "60s"}, true},
		{"no password", map[string]any{"endpoint": "vc.lab", "username": "u"}, false},
		{"bad interval", map[string]any{"endpoint": "vc.lab", "username": "u", "password": "p", "perf_interval": "soon"}, false},
		{"unknown attribute", map[string]any{"endpoint": "vc.lab", "username": "u", "password": "p", "insecure": true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, _ := json.Marshal(tt.cfg)
			a := New(nullLogger())
			err := a.Configure(t.Context(), sdk.Connection{Name: "vc", Config: raw})
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestStatusMapping(t *testing.T) {
	vm := func(p types.VirtualMachinePowerState, c types.VirtualMachineConnectionState) resource.Status {
		var v = vmFor(p, c)
		return vmStatus(v)
	}
	tests := []struct {
		got, want resource.Status
	}{
		{vm(types.VirtualMachinePowerStatePoweredOn, "connected"), resource.StatusRunning},
		{vm(types.VirtualMachinePowerStatePoweredOff, "connected"), resource.StatusStopped},
		{vm(types.VirtualMachinePowerStateSuspended, "connected"), resource.StatusSuspended},
		{vm(types.VirtualMachinePowerStatePoweredOn, "orphaned"), resource.StatusUnknown},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: %s, want %s", i, tt.got, tt.want)
		}
	}
}

func TestHistoryAlerts(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	old, recent := now.Add(-2*time.Hour), now.Add(-time.Minute)
	inv := newInventory()
	vmRef := types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-1"}
	inv.vms[vmRef] = vmFor(types.VirtualMachinePowerStatePoweredOn, "connected")
	inv.vms[vmRef].Name = "web"
	inv.events = []types.BaseEvent{
		&types.VmFailedToPowerOnEvent{VmEvent: types.VmEvent{Event: types.Event{Key: 1, CreatedTime: recent, FullFormattedMessage: "cannot power on web",
			Vm: &types.VmEventArgument{Vm: vmRef}}}},
		&types.VmPoweredOnEvent{VmEvent: types.VmEvent{Event: types.Event{Key: 2, CreatedTime: recent}}},
		&types.EventEx{Event: types.Event{Key: 3, CreatedTime: recent}, Severity: "warning", EventTypeId: "x.y", ObjectType: "VirtualMachine", ObjectId: "vm-1"},
		&types.EventEx{Event: types.Event{Key: 4, CreatedTime: old}, Severity: "error"},
	}
	inv.tasks = []types.TaskInfo{
		{Key: "task-1", State: types.TaskInfoStateError, CompleteTime: &recent, DescriptionId: "VirtualMachine.powerOn", Entity: &vmRef,
			Error: &types.LocalizedMethodFault{LocalizedMessage: "The attempted operation cannot be performed in the current state"}},
		{Key: "task-2", State: types.TaskInfoStateError, CompleteTime: &old},
	}
	cats := map[string]string{"VmFailedToPowerOnEvent": "error", "VmPoweredOnEvent": "info"}
	got := historyAlerts(inv, cats, now)
	want := []string{
		"event:1 critical vm-1 cannot power on web",
		"event:3 warning vm-1 x.y",
		"task:task-1 warning vm-1 task VirtualMachine.powerOn failed on web: The attempted operation cannot be performed in the current state",
	}
	var lines []string
	for _, a := range got {
		lines = append(lines, a.NativeID+" "+string(a.Severity)+" "+a.Resource+" "+a.Message)
	}
	if !slices.Equal(lines, want) {
		t.Errorf("alerts =\n%v\nwant\n%v", lines, want)
	}
}

func TestPerfDue(t *testing.T) {
	t0 := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		interval time.Duration
		at       []time.Duration
		want     []bool
	}{
		{"every poll by default", 0, []time.Duration{0, time.Second, 2 * time.Second}, []bool{true, true, true}},
		{"at most once a minute", time.Minute, []time.Duration{0, 30 * time.Second, 61 * time.Second, 90 * time.Second}, []bool{true, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cn := &conn{cfg: config{perfInterval: tt.interval}}
			for i, d := range tt.at {
				if got := cn.perfDue(t0.Add(d)); got != tt.want[i] {
					t.Errorf("at +%v: due = %v, want %v", d, got, tt.want[i])
				}
			}
		})
	}
}
