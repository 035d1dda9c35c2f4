package agentgw

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// TestKubernetesIsASeparateSource: the kubernetes member of a report
// becomes records of platform kubernetes with their relationships, metrics
// and alerts.
func TestKubernetesIsASeparateSource(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	e.enroll(k)
	tel := telemetry("node1")
	tel.Kubernetes = &agentwire.Kubernetes{ClusterUID: "0b7c-uid", Name: "lab", Version: "v1.33.1",
		Nodes:       []agentwire.K8sNode{{Name: "n1", Ready: true, CPUCapacity: 8, MemCapacity: 32 << 30}, {Name: "n2", Ready: false}},
		Deployments: []agentwire.K8sDeployment{{Namespace: "shop", Name: "web", Desired: 3, Updated: 3, Ready: 2, Available: 2}},
		Pods: []agentwire.K8sPod{{Namespace: "shop", Name: "web-1", Phase: "Running", Node: "n1", Deployment: "web", Restarts: 7,
			Reasons: []string{"CrashLoopBackOff"}, MemLimit: 256 << 20}},
		Alerts: []agentwire.DockerAlert{{Kind: "node-not-ready", Severity: "critical", Target: "node:n2", Message: "node n2 is NotReady"}}}
	e.report(k, 1, agentwire.KindFull, tel)

	for typ, n := range map[resource.Type]int{resource.TypeK8sCluster: 1, resource.TypeK8sNode: 2, resource.TypeK8sDeployment: 1, resource.TypePod: 1} {
		if got := e.st.Resources(store.Filter{Type: typ, Platform: PlatformKubernetes}); len(got) != n {
			t.Errorf("%s: %d records, want %d", typ, len(got), n)
		}
	}
	pod := e.st.Resources(store.Filter{Type: resource.TypePod})[0]
	var kinds []string
	for _, r := range pod.Relationships {
		kinds = append(kinds, string(r.Kind))
	}
	slices.Sort(kinds)
	if pod.Status != resource.StatusDegraded || !slices.Equal(kinds, []string{"member-of", "runs-on"}) {
		t.Errorf("pod %s %+v", pod.Status, pod.Relationships)
	}
	m := map[string]float64{}
	for _, x := range e.st.Metrics(pod.ID) {
		m[x.Name] = x.Value
	}
	if m["restarts_total"] != 7 || m["memory_limit_bytes"] != 256<<20 {
		t.Errorf("pod metrics %v", m)
	}
	dep := e.st.Resources(store.Filter{Type: resource.TypeK8sDeployment})[0]
	if dep.Status != resource.StatusDegraded {
		t.Errorf("deployment 2 of 3 available: %s", dep.Status)
	}
	// Commands off on the agent: no record offers an action.
	if !strings.Contains(string(dep.Attributes), `"actions":[]`) || !strings.Contains(string(pod.Attributes), `"actions":[]`) {
		t.Errorf("actions without commands: %s %s", dep.Attributes, pod.Attributes)
	}
	// Commands on: a deployment takes rollout-restart, a pod delete.
	tel.Kubernetes.Actions = []string{"delete", "rollout-restart"}
	e.report(k, 2, agentwire.KindFull, tel)
	dep = e.st.Resources(store.Filter{Type: resource.TypeK8sDeployment})[0]
	pod = e.st.Resources(store.Filter{Type: resource.TypePod})[0]
	if !strings.Contains(string(dep.Attributes), `"actions":["rollout-restart"]`) || !strings.Contains(string(pod.Attributes), `"actions":["delete"]`) {
		t.Errorf("actions with commands: %s %s", dep.Attributes, pod.Attributes)
	}
	found := false
	for _, a := range e.st.Alerts(store.AlertFilter{}) {
		found = found || a.Kind == "k8s-node-not-ready"
	}
	if !found {
		t.Error("no node-not-ready alert")
	}
}

// TestKubernetesUsageAndRecovery: metrics.k8s.io usage becomes the
// canonical usage metrics (a pod bounded by its limits, else its node), and
// Velero backups and volume snapshots become recovery points of the
// cluster; a failed backup's alert is the cluster's.
func TestKubernetesUsageAndRecovery(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	e.enroll(k)
	tel := telemetry("node1")
	tel.Kubernetes = &agentwire.Kubernetes{ClusterUID: "0b7c-uid", Name: "lab", MetricsAPI: true,
		Nodes: []agentwire.K8sNode{{Name: "n1", Ready: true, CPUCapacity: 8, MemCapacity: 32 << 30, CPUAllocatable: 4, MemAllocatable: 16 << 30,
			Usage: &agentwire.K8sUsage{CPUCores: 2, MemoryBytes: 8 << 30}}},
		Pods: []agentwire.K8sPod{
			{Namespace: "shop", Name: "limited", Phase: "Running", Node: "n1", CPULimit: 0.5, MemLimit: 256 << 20, Usage: &agentwire.K8sUsage{CPUCores: 0.25, MemoryBytes: 64 << 20}},
			{Namespace: "shop", Name: "free", Phase: "Running", Node: "n1", Usage: &agentwire.K8sUsage{CPUCores: 1, MemoryBytes: 4 << 30}}},
		RecoveryPoints: []agentwire.K8sRecoveryPoint{
			{Source: "velero-backup", Namespace: "velero", Name: "daily-1", Phase: "Completed", Started: "2026-12-01T01:00:00Z", Completed: "2026-12-01T01:05:00Z",
				Expires: "2026-12-31T01:00:00Z", Schedule: "daily", StorageLocation: "default"},
			{Source: "velero-backup", Namespace: "velero", Name: "adhoc", Phase: "Failed", Started: "2026-12-01T02:00:00Z", Errors: 3, Message: "bucket unreachable"},
			{Source: "volume-snapshot", Namespace: "shop", Name: "db-snap", Phase: "Ready", Completed: "2026-12-01T00:30:00Z", PVC: "db-data", SizeBytes: 10 << 30}},
		Alerts: []agentwire.DockerAlert{{Kind: "backup-failed", Severity: "critical", Target: "backup:velero/adhoc", Message: "velero backup adhoc failed"}}}
	e.report(k, 1, agentwire.KindFull, tel)

	metrics := func(typ resource.Type, name string) map[string]float64 {
		for _, r := range e.st.Resources(store.Filter{Type: typ}) {
			if r.Name == name {
				m := map[string]float64{}
				for _, x := range e.st.Metrics(r.ID) {
					m[x.Name] = x.Value
				}
				return m
			}
		}
		t.Fatalf("no %s %s", typ, name)
		return nil
	}
	if m := metrics(resource.TypeK8sNode, "n1"); m["cpu_usage_ratio"] != 0.25 || m["memory_used_bytes"] != 8<<30 || m["memory_usage_ratio"] != 0.25 {
		t.Errorf("node metrics %v", m)
	}
	if m := metrics(resource.TypePod, "shop/limited"); m["cpu_usage_ratio"] != 0.5 || m["memory_total_bytes"] != 256<<20 || m["memory_usage_ratio"] != 0.25 {
		t.Errorf("limited pod metrics %v", m)
	}
	if m := metrics(resource.TypePod, "shop/free"); m["cpu_usage_ratio"] != 0.25 || m["memory_total_bytes"] != 16<<30 || m["memory_usage_ratio"] != 0.25 {
		t.Errorf("unlimited pod metrics (bounded by the node's allocatable) %v", m)
	}
	cl := e.st.Resources(store.Filter{Type: resource.TypeK8sCluster})[0]
	rps := e.st.RecoveryPoints(cl.ID)
	if len(rps) != 3 {
		t.Fatalf("recovery points %+v", rps)
	}
	var kinds []string
	for _, rp := range rps {
		kinds = append(kinds, string(rp.Kind))
		if strings.Contains(string(rp.Attributes), `"name":"adhoc"`) && (!strings.Contains(string(rp.Attributes), `"state":"failed"`) || !strings.Contains(string(rp.Attributes), `"error":"bucket unreachable"`)) {
			t.Errorf("failed backup %s", rp.Attributes)
		}
		if strings.Contains(string(rp.Attributes), `"name":"daily-1"`) && (!rp.Time.Equal(time.Date(2026, 12, 1, 1, 5, 0, 0, time.UTC)) || !strings.Contains(string(rp.Attributes), `"expires":"2026-12-31T01:00:00Z"`)) {
			t.Errorf("completed backup %v %s", rp.Time, rp.Attributes)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"backup", "backup", "snapshot"}) {
		t.Errorf("kinds %v", kinds)
	}
	found := false
	for _, a := range e.st.Alerts(store.AlertFilter{}) {
		found = found || (a.Kind == "k8s-backup-failed" && a.Resource == cl.ID)
	}
	if !found {
		t.Error("no backup-failed alert on the cluster")
	}
}
