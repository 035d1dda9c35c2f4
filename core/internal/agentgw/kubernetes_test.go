package agentgw

import (
	"slices"
	"testing"

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
	if dep := e.st.Resources(store.Filter{Type: resource.TypeK8sDeployment})[0]; dep.Status != resource.StatusDegraded {
		t.Errorf("deployment 2 of 3 available: %s", dep.Status)
	}
	found := false
	for _, a := range e.st.Alerts(store.AlertFilter{}) {
		found = found || a.Kind == "k8s-node-not-ready"
	}
	if !found {
		t.Error("no node-not-ready alert")
	}
}
