package control

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

type fakeResources map[string]resource.Resource

func (f fakeResources) Resource(id string) (resource.Resource, bool) { r, ok := f[id]; return r, ok }

type call struct {
	platform, conn string
	action         sdk.Action
}

// fakeExec declares actions per platform and answers Execute from a script.
type fakeExec struct {
	mu       sync.Mutex
	declared map[string][]string
	answer   func(a sdk.Action) (string, error)
	calls    []call
}

func (f *fakeExec) Actions(platform, _ string) ([]string, error) {
	a, ok := f.declared[platform]
	if !ok {
		return nil, errors.New("plugin not running: the " + platform + " plugin is missing")
	}
	return a, nil
}

func (f *fakeExec) Execute(_ context.Context, platform, conn string, a sdk.Action) (string, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{platform, conn, a})
	f.mu.Unlock()
	return f.answer(a)
}

func res(id, platform, conn, native string, t resource.Type) resource.Resource {
	return resource.Resource{ID: id, Type: t, Platform: platform, Connection: conn, Name: native,
		Sources: []resource.Source{{Platform: platform, Connection: conn, NativeID: native, Role: resource.RolePrimary}}}
}

func newService(t *testing.T, cfg config.Control, exec *fakeExec) (*Service, *Audit) {
	t.Helper()
	db, err := database.Open(filepath.Join(t.TempDir(), "pulse.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	audit, err := OpenAudit(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	store := fakeResources{
		"app-1":  res("app-1", "truenas", "nas", "app/plex", resource.TypeAppContainer),
		"vm-pve": res("vm-pve", "proxmox-pve", "lab", "qemu/100", resource.TypeVM),
		"pbs-1":  res("pbs-1", "proxmox-pbs", "backup", "pbs", resource.TypePBS),
		"vm-vc":  res("vm-vc", "vmware-vsphere", "vc", "vm-42", resource.TypeVM),
		"ctr-1":  res("ctr-1", "docker", "host1", "ctr/abc", resource.TypeAppContainer),
	}
	return New(store, exec, audit, cfg, hclog.NewNullLogger()), audit
}

func TestRequestRefusalsAndOutcomes(t *testing.T) {
	enabled := config.Control{Enabled: true}
	narrowed := config.Control{Enabled: true, Connections: map[string]config.ControlConnection{
		"truenas/nas": {Platform: "truenas", Name: "nas", Actions: []string{"start"}}}}
	for _, tc := range []struct {
		name     string
		cfg      config.Control
		id       string
		action   string
		answer   func(sdk.Action) (string, error)
		kind     error
		outcome  string
		has      string
		executed bool
	}{
		{"unknown resource", enabled, "nope", "restart", nil, ErrNotFound, OutcomeRefused, `no resource with id "nope"`, false},
		{"bad action name", enabled, "app-1", "Restart!", nil, ErrInvalid, OutcomeRefused, "not an action name", false},
		{"augmentation-only", enabled, "vm-pve", "restart", nil, ErrRefused, OutcomeRefused, "assistant control for proxmox-pve is augmentation-only", false},
		{"read-only", enabled, "pbs-1", "restart", nil, ErrRefused, OutcomeRefused, "assistant control for proxmox-pbs is read-only", false},
		{"admitted", enabled, "vm-vc", "restart", nil, ErrRefused, OutcomeRefused, "vmware-vsphere is admitted, not supported", false},
		{"agent-backed", enabled, "ctr-1", "restart", nil, ErrRefused, OutcomeRefused, "this core has no agent command channel", false},
		{"disabled", config.Control{}, "app-1", "restart", nil, ErrRefused, OutcomeRefused, "control is disabled", false},
		{"narrowed", narrowed, "app-1", "restart", nil, ErrRefused, OutcomeRefused, `allows only start on truenas/nas, not "restart"`, false},
		{"undeclared", enabled, "app-1", "delete", nil, ErrRefused, OutcomeRefused, `does not declare action "delete" (it declares start, stop, restart)`, false},
		{"plugin refuses", enabled, "app-1", "restart", func(sdk.Action) (string, error) {
			return "", errors.Join(sdk.ErrActionRefused, errors.New(`there is no app named "plex"`))
		}, ErrRefused, OutcomeRefused, `the truenas plugin refused: action refused`, true},
		{"fails", enabled, "app-1", "restart", func(sdk.Action) (string, error) {
			return "", errors.New("job 7 (app.restart) FAILED: boom")
		}, ErrFailed, OutcomeFailed, "job 7 (app.restart) FAILED: boom", true},
		{"succeeds", enabled, "app-1", "start", func(a sdk.Action) (string, error) {
			return "app plex: start job 8 SUCCESS; state read back: RUNNING", nil
		}, nil, OutcomeSucceeded, "state read back: RUNNING", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec := &fakeExec{declared: map[string][]string{"truenas": {"start", "stop", "restart"}, "docker": {"restart"}}, answer: tc.answer}
			s, audit := newService(t, tc.cfg, exec)
			r, err := s.Request(context.Background(), Request{Actor: "test", ResourceID: tc.id, Action: tc.action, Params: map[string]any{}})
			if tc.kind == nil && err != nil || tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
			text := r.Reason + r.Message
			if r.Outcome != tc.outcome || !strings.Contains(text, tc.has) {
				t.Errorf("outcome %q %q, want %q containing %q", r.Outcome, text, tc.outcome, tc.has)
			}
			if (len(exec.calls) > 0) != tc.executed {
				t.Errorf("executed = %v, want %v", len(exec.calls) > 0, tc.executed)
			}
			if tc.executed && (exec.calls[0].action.Target != "app/plex" || exec.calls[0].conn != "nas") {
				t.Errorf("executed %+v", exec.calls[0])
			}
			list, err := audit.List(context.Background(), Filter{})
			if err != nil || len(list) != 1 {
				t.Fatalf("audit: %v %+v", err, list)
			}
			a := list[0]
			if a.ID != r.ID || a.Outcome != tc.outcome || a.Actor != "test" || a.Action != tc.action || a.Reason != r.Reason || a.Message != r.Message {
				t.Errorf("audit record %+v does not match result %+v", a, r)
			}
		})
	}
}

func TestAuditOrderAndFilter(t *testing.T) {
	exec := &fakeExec{declared: map[string][]string{"truenas": {"restart"}}, answer: func(sdk.Action) (string, error) { return "ok", nil }}
	s, _ := newService(t, config.Control{Enabled: true}, exec)
	ctx := context.Background()
	for _, id := range []string{"app-1", "vm-pve", "app-1"} {
		_, _ = s.Request(ctx, Request{Actor: "a", ResourceID: id, Action: "restart", Params: map[string]any{"force": true}})
	}
	all, _ := s.List(ctx, Filter{})
	if len(all) != 3 || all[0].ID < all[2].ID {
		t.Fatalf("want 3 records newest first: %+v", all)
	}
	if all[0].Params["force"] != true {
		t.Errorf("params not kept: %+v", all[0].Params)
	}
	one, _ := s.List(ctx, Filter{Resource: "vm-pve"})
	if len(one) != 1 || one[0].Classification != "augmentation-only" {
		t.Errorf("filtered: %+v", one)
	}
	if exec.calls[0].action.Params["force"] != "true" {
		t.Errorf("non-string params travel JSON-encoded: %+v", exec.calls[0].action.Params)
	}
}

// TestNoAuditNoAction: when the audit log cannot be written, nothing acts.
func TestNoAuditNoAction(t *testing.T) {
	exec := &fakeExec{declared: map[string][]string{"truenas": {"restart"}}, answer: func(sdk.Action) (string, error) { return "ok", nil }}
	s, audit := newService(t, config.Control{Enabled: true}, exec)
	_ = audit.db.Close()
	r, err := s.Request(context.Background(), Request{Actor: "a", ResourceID: "app-1", Action: "restart"})
	if !errors.Is(err, ErrRefused) || !strings.Contains(r.Reason, "audit log cannot be written") || len(exec.calls) != 0 {
		t.Fatalf("err=%v result=%+v calls=%d", err, r, len(exec.calls))
	}
}
