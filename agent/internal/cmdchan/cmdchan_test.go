package cmdchan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/agentwire"
)

type fakeExec struct{ ran []string }

func (f *fakeExec) Actions() []string { return []string{"restart", "start", "stop"} }
func (f *fakeExec) Execute(_ context.Context, action, target string, _ map[string]string) (string, error) {
	f.ran = append(f.ran, action+" "+target)
	if target == "service:x" {
		return "", fmt.Errorf("%w: target %s is not a container", ErrRefused, target)
	}
	if target == "container:gone" {
		return "", errors.New("No such container: gone")
	}
	return action + " done", nil
}

// TestExecuteRefusesUnlessEnabledAndDeclared: the agent's own checks, which
// hold even if a core sent a command it should not have.
func TestExecuteRefusesUnlessEnabledAndDeclared(t *testing.T) {
	for _, tc := range []struct {
		name    string
		enabled bool
		cmd     agentwire.Command
		ok, ref bool
		has     string
		ran     bool
	}{
		{"commands off", false, agentwire.Command{Platform: "docker", Action: "restart", Target: "container:a"}, false, true, "commands are not enabled on this agent", false},
		{"no module", true, agentwire.Command{Platform: "proxmox-pve", Action: "start", Target: "qemu/100"}, false, true, `executes nothing for platform "proxmox-pve"`, false},
		{"undeclared", true, agentwire.Command{Platform: "docker", Action: "remove", Target: "container:a"}, false, true, `does not execute "remove"`, false},
		{"fails", true, agentwire.Command{Platform: "docker", Action: "stop", Target: "container:gone"}, false, false, "No such container", true},
		{"wrong kind", true, agentwire.Command{Platform: "docker", Action: "stop", Target: "service:x"}, false, true, "is not a container", true},
		{"runs", true, agentwire.Command{Platform: "docker", Action: "restart", Target: "container:a"}, true, false, "restart done", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeExec{}
			o := Options{CommandsEnabled: tc.enabled, Executors: map[string]Executor{"docker": f}}
			o.Timeout = 1e9
			r := execute(context.Background(), withDefaults(o), tc.cmd)
			if r.OK != tc.ok || r.Refused != tc.ref || !strings.Contains(r.Message, tc.has) || (len(f.ran) > 0) != tc.ran {
				t.Errorf("result %+v ran %v", r, f.ran)
			}
		})
	}
}
