package control

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/resource"
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

// TestAugmentationOnlyThroughTheNodesAgent: a PVE guest's action goes to
// the pulse-agent augmenting the node it runs on, as qemu/<vmid>; without
// such an agent it is refused.
func TestAugmentationOnlyThroughTheNodesAgent(t *testing.T) {
	on := config.Control{Enabled: true}
	for _, tc := range []struct {
		name     string
		withNode bool
		agents   fakeAgents
		outcome  string
		has      string
	}{
		{"through the node's agent", true, fakeAgents{online: true, enabled: true, declared: []string{"reboot", "shutdown", "start", "stop"},
			answer: func(a sdk.Action) (string, error) { return "qm " + a.Name + " " + a.Target, nil }}, OutcomeSucceeded, "through the pulse-agent on the node: qm shutdown qemu/100"},
		{"no agent on the node", false, fakeAgents{online: true, enabled: true, declared: []string{"shutdown"}}, OutcomeRefused, "has no live agent augmenting its node"},
		{"node agent without commands", true, fakeAgents{online: true}, OutcomeRefused, "commands are not enabled"},
		{"node agent offline", true, fakeAgents{}, OutcomeRefused, "offline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec := &fakeExec{declared: map[string][]string{}}
			s, _ := newService(t, on, exec)
			store := s.res.(fakeResources)
			vm := res("vm-100", "proxmox-pve", "lab", "100", "vm")
			vm.Relationships = append(vm.Relationships, resource.Relation{Kind: resource.RelRunsOn, Target: "node-1"})
			store["vm-100"] = vm
			node := res("node-1", "proxmox-pve", "lab", "node/pve1", "agent")
			if tc.withNode {
				node.Sources = append(node.Sources, resource.Source{Platform: "agent", Connection: "SHA256:nodeagent", NativeID: "host", Role: resource.RoleAugment})
			}
			store["node-1"] = node
			ag := tc.agents
			s.WithAgents(&ag)
			r, _ := s.Request(context.Background(), Request{Actor: "test", ResourceID: "vm-100", Action: "shutdown"})
			if r.Outcome != tc.outcome || !strings.Contains(r.Reason+r.Message, tc.has) {
				t.Errorf("outcome %q %q, want %q containing %q", r.Outcome, r.Reason+r.Message, tc.outcome, tc.has)
			}
			if len(exec.calls) > 0 {
				t.Error("an augmentation-only action went through the API plugin")
			}
		})
	}
}

// TestKubernetesActionsByRecordKind: a deployment takes rollout-restart and
// a pod delete, through the agent that reports the cluster, addressed by
// the record's native id; the other way round is refused in the core,
// before anything reaches the agent.
func TestKubernetesActionsByRecordKind(t *testing.T) {
	on := config.Control{Enabled: true}
	narrowed := config.Control{Enabled: true, Connections: map[string]config.ControlConnection{"kubernetes/SHA256:agent": {Actions: []string{"delete"}}}}
	online := fakeAgents{online: true, enabled: true, declared: []string{"delete", "rollout-restart"}}
	for _, tc := range []struct {
		name, id, action, outcome, has, target string
		cfg                                    config.Control
		agents                                 fakeAgents
	}{
		{"deployment rollout-restart", "dep-1", "rollout-restart", OutcomeSucceeded, "rollout restarted", "deployment:shop/web", on, online},
		{"pod delete", "pod-1", "delete", OutcomeSucceeded, "deleted", "pod:shop/web-1", on, online},
		{"pod rollout-restart", "pod-1", "rollout-restart", OutcomeRefused, `a pod record does not take action "rollout-restart" (it takes delete)`, "", on, online},
		{"deployment delete", "dep-1", "delete", OutcomeRefused, `a k8s-deployment record does not take action "delete" (it takes rollout-restart)`, "", on, online},
		{"control disabled in core", "dep-1", "rollout-restart", OutcomeRefused, "control is disabled", "", config.Control{}, online},
		{"control narrowed to delete", "dep-1", "rollout-restart", OutcomeRefused, `allows only delete on kubernetes/SHA256:agent, not "rollout-restart"`, "", narrowed, online},
		{"agent offline", "dep-1", "rollout-restart", OutcomeRefused, "is offline", "", on, fakeAgents{}},
		{"commands off on the agent", "pod-1", "delete", OutcomeRefused, "commands are not enabled on the pulse-agent", "", on, fakeAgents{online: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec := &fakeExec{declared: map[string][]string{}}
			s, audit := newService(t, tc.cfg, exec)
			store := s.res.(fakeResources)
			dep := res("dep-1", "kubernetes", "SHA256:agent", "deployment:shop/web", resource.TypeK8sDeployment)
			dep.Attributes = []byte(`{"actions":["rollout-restart"]}`)
			pod := res("pod-1", "kubernetes", "SHA256:agent", "pod:shop/web-1", resource.TypePod)
			pod.Attributes = []byte(`{"actions":["delete"]}`)
			store["dep-1"], store["pod-1"] = dep, pod
			ag := tc.agents
			ag.answer = func(a sdk.Action) (string, error) {
				if a.Name == "delete" {
					return a.Target + ": deleted", nil
				}
				return a.Target + ": rollout restarted", nil
			}
			s.WithAgents(&ag)
			r, _ := s.Request(context.Background(), Request{Actor: "test", ResourceID: tc.id, Action: tc.action})
			if r.Outcome != tc.outcome || !strings.Contains(r.Reason+r.Message, tc.has) {
				t.Errorf("outcome %q %q, want %q containing %q", r.Outcome, r.Reason+r.Message, tc.outcome, tc.has)
			}
			if (len(ag.calls) > 0) != (tc.target != "") || (tc.target != "" && ag.calls[0].Target != tc.target) {
				t.Errorf("agent calls %+v, want target %q", ag.calls, tc.target)
			}
			if list, err := audit.List(context.Background(), Filter{}); err != nil || len(list) != 1 || list[0].Outcome != tc.outcome || list[0].Platform != "kubernetes" {
				t.Fatalf("audit: %v %+v", err, list)
			}
		})
	}
}
