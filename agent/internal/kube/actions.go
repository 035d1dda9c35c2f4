package kube

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/pulsehost/pulse/agent/internal/cmdchan"
)

// Actions are the actions the module executes: rollout-restart on a
// deployment (what `kubectl rollout restart` does) and delete on a pod (its
// controller recreates it: the usual pod restart).
var Actions = []string{"delete", "rollout-restart"}

// RestartedAtAnnotation is the pod-template annotation kubectl's rollout
// restart sets; changing the template makes the deployment roll.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// Executor adapts the module to the command channel: targets are the
// native ids the core projects, "deployment:<ns>/<name>" and
// "pod:<ns>/<name>".
type Executor struct{ M *Module }

// Actions are the cluster actions.
func (e Executor) Actions() []string { return Actions }

// Execute runs an action; a target of the wrong kind is refused
// (cmdchan.ErrRefused) before anything is sent to the cluster.
func (e Executor) Execute(ctx context.Context, action, target string, _ map[string]string) (string, error) {
	kind, ref, _ := strings.Cut(target, ":")
	ns, name, ok := strings.Cut(ref, "/")
	if !ok || ns == "" || name == "" {
		return "", fmt.Errorf("%w: target %q is not a kubernetes object (want deployment:<namespace>/<name> or pod:<namespace>/<name>)", cmdchan.ErrRefused, target)
	}
	switch {
	case !slices.Contains(Actions, action):
		return "", fmt.Errorf("%w: the kubernetes module does not execute %q (it executes %v)", cmdchan.ErrRefused, action, Actions)
	case action == "rollout-restart" && kind != "deployment":
		return "", fmt.Errorf("%w: rollout-restart applies to deployments, and %s is a %s", cmdchan.ErrRefused, target, kind)
	case action == "delete" && kind != "pod":
		return "", fmt.Errorf("%w: delete applies to pods (their controller recreates them), and %s is a %s", cmdchan.ErrRefused, target, kind)
	case action == "rollout-restart":
		return e.M.RolloutRestart(ctx, ns, name)
	default:
		return e.M.DeletePod(ctx, ns, name)
	}
}

// RolloutRestart patches the deployment's pod template with the
// restartedAt annotation, as `kubectl rollout restart` does.
func (m *Module) RolloutRestart(ctx context.Context, ns, name string) (string, error) {
	at := m.now().UTC().Format(time.RFC3339)
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, RestartedAtAnnotation, at)
	d, err := m.cs.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "pulse-agent"})
	if err != nil {
		return "", fmt.Errorf("rollout-restart deployment %s/%s: %w", ns, name, err)
	}
	return fmt.Sprintf("deployment %s/%s: rollout restarted at %s (generation %d)", ns, name, at, d.Generation), nil
}

// DeletePod deletes a pod; its ReplicaSet (or other controller) makes a
// new one.
func (m *Module) DeletePod(ctx context.Context, ns, name string) (string, error) {
	if err := m.cs.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		return "", fmt.Errorf("delete pod %s/%s: %w", ns, name, err)
	}
	return fmt.Sprintf("pod %s/%s: deleted (its controller recreates it)", ns, name), nil
}
