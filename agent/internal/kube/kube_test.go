package kube

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/pulsehost/pulse/core/agentwire"
)

func ctrl(kind, name string) []metav1.OwnerReference {
	t := true
	return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: types.UID("u-" + name), Controller: &t}}
}

// TestCollectFromInformers: a fake clientset's cluster becomes the
// kubernetes member, with each alert.
func TestCollectFromInformers(t *testing.T) {
	now := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	three := int32(3)
	objs := []any{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "cluster-uid-1"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "n1"}, Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi")},
			NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.33.1"}}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2", UID: "n2"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}}}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "d1"}, Spec: appsv1.DeploymentSpec{Replicas: &three},
			Status: appsv1.DeploymentStatus{UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2,
				Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Reason: "ProgressDeadlineExceeded"}}}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-5d9c", OwnerReferences: ctrl("Deployment", "web")}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-5d9c-a", OwnerReferences: ctrl("ReplicaSet", "web-5d9c"), CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))},
			Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "c", RestartCount: 7,
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled"}}}}}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "stuck", CreationTimestamp: metav1.NewTime(now.Add(-10 * time.Minute))},
			Status: corev1.PodStatus{Phase: corev1.PodPending}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "img", CreationTimestamp: metav1.NewTime(now.Add(-time.Minute))},
			Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: "c",
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}}},
	}
	var robjs []runtimeObject
	for _, o := range objs {
		robjs = append(robjs, o.(runtimeObject))
	}
	cs := fake.NewClientset(toRuntime(robjs)...)
	cs.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: "v1.33.1"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := New(ctx, Options{Clientset: cs, Name: "lab", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	k := m.Collect(ctx)
	if k.ClusterUID != "cluster-uid-1" || k.Version != "v1.33.1" || len(k.Nodes) != 2 || len(k.Pods) != 3 || len(k.Deployments) != 1 {
		t.Fatalf("cluster %+v", k)
	}
	if n := k.Nodes[0]; !n.Ready || n.CPUCapacity != 8 || n.MemCapacity != 32<<30 || n.KubeletVersion != "v1.33.1" {
		t.Errorf("n1 %+v", n)
	}
	var web agentwire.K8sPod
	for _, p := range k.Pods {
		if p.Name == "web-5d9c-a" {
			web = p
		}
	}
	if web.Deployment != "web" || web.Restarts != 7 || web.Node != "n1" || web.MemLimit != 256<<20 || web.Owner != "ReplicaSet/web-5d9c" {
		t.Errorf("web pod %+v", web)
	}
	var got []string
	for _, a := range k.Alerts {
		got = append(got, a.Kind+"@"+a.Target)
	}
	slices.Sort(got)
	want := []string{"crash-loop@pod:shop/web-5d9c-a", "deployment-unavailable@deployment:shop/web", "image-pull@pod:shop/img",
		"node-not-ready@node:n2", "oom-killed@pod:shop/web-5d9c-a", "pending@pod:shop/stuck", "rollout-stuck@deployment:shop/web"}
	if !slices.Equal(got, want) {
		t.Errorf("alerts\n got %v\nwant %v", got, want)
	}
}
