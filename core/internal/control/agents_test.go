package control

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// fakeAgents is the agents' side: online or not, commands on or off, what
// they declare, and the agent's answer.
type fakeAgents struct {
	online, enabled bool
	declared        []string
	answer          func(sdk.Action) (string, error)
	calls           []sdk.Action
}

func (f *fakeAgents) AgentActions(platform, conn string) ([]string, bool, error) {
	if !f.online {
		return nil, false, errors.New("agent offline")
	}
	return f.declared, f.enabled, nil
}

func (f *fakeAgents) AgentExecute(_ context.Context, platform, conn string, a sdk.Action) (string, error) {
	f.calls = append(f.calls, a)
	return f.answer(a)
}

// TestAgentRoute: actions on agent-backed resources go to the owning agent,
// and each refusal is audited with its reason.
func TestAgentRoute(t *testing.T) {
	ok := func(a sdk.Action) (string, error) { return "container abc: " + a.Name + " done", nil }
	on := config.Control{Enabled: true}
	for _, tc := range []struct {
		name     string
		cfg      config.Control
		agents   fakeAgents
		action   string
		outcome  string
		has      string
		executed bool
	}{
		{"executed", on, fakeAgents{online: true, enabled: true, declared: []string{"restart", "start", "stop"}, answer: ok}, "restart", OutcomeSucceeded, "restart done", true},
		{"control disabled in core", config.Control{}, fakeAgents{online: true, enabled: true, declared: []string{"restart"}, answer: ok}, "restart", OutcomeRefused, "control is disabled", false},
		{"agent offline", on, fakeAgents{}, "restart", OutcomeRefused, "is offline (no command channel open)", false},
		{"commands off on the agent", on, fakeAgents{online: true}, "restart", OutcomeRefused, "commands are not enabled on the pulse-agent", false},
		{"undeclared action", on, fakeAgents{online: true, enabled: true, declared: []string{"restart", "start", "stop"}}, "remove", OutcomeRefused, `does not declare docker action "remove" (it declares restart, start, stop)`, false},
		{"agent refuses", on, fakeAgents{online: true, enabled: true, declared: []string{"restart"}, answer: func(sdk.Action) (string, error) {
			return "", errors.Join(sdk.ErrActionRefused, errors.New("commands are not enabled on this agent"))
		}}, "restart", OutcomeRefused, "the pulse-agent refused", true},
		{"agent fails", on, fakeAgents{online: true, enabled: true, declared: []string{"restart"}, answer: func(sdk.Action) (string, error) {
			return "", errors.New("No such container: abc")
		}}, "restart", OutcomeFailed, "No such container", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec := &fakeExec{declared: map[string][]string{}}
			s, audit := newService(t, tc.cfg, exec)
			ag := tc.agents
			s.WithAgents(&ag)
			r, _ := s.Request(context.Background(), Request{Actor: "test", ResourceID: "ctr-1", Action: tc.action})
			if r.Outcome != tc.outcome || !strings.Contains(r.Reason+r.Message, tc.has) {
				t.Errorf("outcome %q %q, want %q containing %q", r.Outcome, r.Reason+r.Message, tc.outcome, tc.has)
			}
			if (len(ag.calls) > 0) != tc.executed || len(exec.calls) > 0 {
				t.Errorf("agent calls %d plugin calls %d, want agent executed=%v", len(ag.calls), len(exec.calls), tc.executed)
			}
			if tc.executed && ag.calls[0].Target != "ctr/abc" {
				t.Errorf("target %q", ag.calls[0].Target)
			}
			list, err := audit.List(context.Background(), Filter{})
			if err != nil || len(list) != 1 || list[0].Outcome != tc.outcome {
				t.Fatalf("audit: %v %+v", err, list)
			}
		})
	}
}
