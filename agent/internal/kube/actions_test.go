package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/pulsehost/pulse/agent/internal/cmdchan"
)

// TestExecutor: rollout-restart patches the pod template's restartedAt
// annotation as kubectl does, delete deletes the pod; a target of the
// wrong kind is refused before anything reaches the cluster.
func TestExecutor(t *testing.T) {
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	cs := fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "c"}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-1"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := New(ctx, Options{Clientset: cs, Name: "lab", Now: func() time.Time { return now }, CommandsEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if k := m.Collect(ctx); strings.Join(k.Actions, ",") != "delete,rollout-restart" {
		t.Errorf("declared %v", k.Actions)
	}
	ex := Executor{M: m}
	msg, err := ex.Execute(ctx, "rollout-restart", "deployment:shop/web", nil)
	if err != nil || !strings.Contains(msg, "rollout restarted at 2026-12-01T02:00:00Z") {
		t.Fatalf("rollout-restart: %q %v", msg, err)
	}
	d, _ := cs.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
	if got := d.Spec.Template.Annotations[RestartedAtAnnotation]; got != "2026-12-01T02:00:00Z" {
		t.Errorf("annotation %q", got)
	}
	if msg, err := ex.Execute(ctx, "delete", "pod:shop/web-1", nil); err != nil || !strings.Contains(msg, "deleted") {
		t.Fatalf("delete: %q %v", msg, err)
	}
	if _, err := cs.CoreV1().Pods("shop").Get(ctx, "web-1", metav1.GetOptions{}); err == nil {
		t.Error("the pod is still there")
	}
	for _, tc := range []struct{ action, target, has string }{
		{"rollout-restart", "pod:shop/web-2", "rollout-restart applies to deployments"},
		{"delete", "deployment:shop/web", "delete applies to pods"},
		{"scale", "deployment:shop/web", `does not execute "scale"`},
		{"delete", "pod:web", "is not a kubernetes object"},
	} {
		_, err := ex.Execute(ctx, tc.action, tc.target, nil)
		if !errors.Is(err, cmdchan.ErrRefused) || !strings.Contains(err.Error(), tc.has) {
			t.Errorf("%s %s: %v, want a refusal containing %q", tc.action, tc.target, err, tc.has)
		}
	}
	// A pod that is not there fails (not refused): the action ran.
	if _, err := ex.Execute(ctx, "delete", "pod:shop/gone", nil); err == nil || errors.Is(err, cmdchan.ErrRefused) {
		t.Errorf("delete of a missing pod: %v", err)
	}
}
