package agentgw

import (
	"encoding/json"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/resource"
)

// PlatformKubernetes is the platform of the kubernetes module's records.
const PlatformKubernetes = "kubernetes"

// ProjectKubernetes maps the kubernetes module's telemetry to records of
// platform kubernetes: the cluster (k8s-cluster), its nodes (k8s-node,
// member-of the cluster), pods (pod, runs-on their node, member-of their
// deployment) and deployments (k8s-deployment, member-of the cluster).
func ProjectKubernetes(k *agentwire.Kubernetes, at time.Time) resource.Snapshot {
	var snap resource.Snapshot
	metric := func(id, name string, v float64) {
		if def, ok := resource.LookupMetric(name); ok && def.AppliesTo(typeOf(id)) {
			snap.Metrics = append(snap.Metrics, resource.Metric{Resource: id, Name: name, Value: v, Unit: string(def.Unit), Time: at})
		}
	}
	attrs := func(v map[string]any) json.RawMessage { b, _ := json.Marshal(v); return b }
	const cluster = "cluster"
	name := k.Name
	if name == "" {
		name = k.ClusterUID
	}
	snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypeK8sCluster, NativeID: cluster, Name: name,
		Status: resource.StatusOnline, Attributes: attrs(map[string]any{"cluster_uid": k.ClusterUID, "version": k.Version, "nodes": len(k.Nodes), "error": k.Error})})
	for _, n := range k.Nodes {
		id := "node:" + n.Name
		st := resource.StatusOnline
		if !n.Ready {
			st = resource.StatusDegraded
		}
		snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypeK8sNode, NativeID: id, Name: n.Name, Status: st,
			Topology: map[string]string{"cluster": name}, Attributes: attrs(map[string]any{"uid": n.UID, "conditions": n.Conditions,
				"kubelet_version": n.KubeletVersion, "cpu_capacity": n.CPUCapacity, "memory_capacity_bytes": n.MemCapacity,
				"cpu_allocatable": n.CPUAllocatable, "memory_allocatable_bytes": n.MemAllocatable, "taints": nonNil(n.Taints)})})
		snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: cluster})
		metric(id, "cpu_cores", n.CPUCapacity)
		metric(id, "memory_total_bytes", float64(n.MemCapacity))
	}
	deps := map[string]bool{}
	for _, d := range k.Deployments {
		id := "deployment:" + d.Namespace + "/" + d.Name
		deps[d.Namespace+"/"+d.Name] = true
		st := resource.StatusOnline
		if d.Available < d.Desired || d.Progressing == "ProgressDeadlineExceeded" {
			st = resource.StatusDegraded
		}
		snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypeK8sDeployment, NativeID: id, Name: d.Namespace + "/" + d.Name,
			Status: st, Topology: map[string]string{"cluster": name, "namespace": d.Namespace}, Attributes: attrs(map[string]any{"uid": d.UID,
				"desired_replicas": d.Desired, "updated_replicas": d.Updated, "ready_replicas": d.Ready, "available_replicas": d.Available,
				"progressing": d.Progressing})})
		snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: cluster})
		metric(id, "replicas_desired", float64(d.Desired))
		metric(id, "replicas_available", float64(d.Available))
	}
	for _, p := range k.Pods {
		id := "pod:" + p.Namespace + "/" + p.Name
		snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypePod, NativeID: id, Name: p.Namespace + "/" + p.Name,
			Status: podStatus(p), Topology: map[string]string{"cluster": name, "namespace": p.Namespace, "node": p.Node},
			Attributes: attrs(map[string]any{"uid": p.UID, "phase": p.Phase, "node": p.Node, "owner": p.Owner, "deployment": p.Deployment,
				"restarts": p.Restarts, "reasons": nonNil(p.Reasons), "cpu_request": p.CPURequest, "memory_limit_bytes": p.MemLimit})})
		if p.Node != "" {
			snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelRunsOn, To: "node:" + p.Node})
		}
		if p.Deployment != "" && deps[p.Namespace+"/"+p.Deployment] {
			snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: "deployment:" + p.Namespace + "/" + p.Deployment})
		}
		metric(id, "restarts_total", float64(p.Restarts))
		if p.MemLimit > 0 {
			metric(id, "memory_limit_bytes", float64(p.MemLimit))
		}
	}
	for _, a := range k.Alerts {
		sev := resource.Severity(a.Severity)
		if !resource.IsSeverity(sev) {
			sev = resource.SeverityWarning
		}
		target := a.Target
		if target == "" {
			target = cluster
		}
		snap.Alerts = append(snap.Alerts, resource.Alert{ID: a.Kind + "@" + target, Resource: target, Severity: sev,
			Kind: "k8s-" + a.Kind, Message: a.Message, Started: at})
	}
	return snap
}

func podStatus(p agentwire.K8sPod) resource.Status {
	switch p.Phase {
	case "Running":
		if len(p.Reasons) > 0 {
			return resource.StatusDegraded
		}
		return resource.StatusRunning
	case "Succeeded":
		return resource.StatusStopped
	case "Pending", "Failed":
		return resource.StatusDegraded
	default:
		return resource.StatusUnknown
	}
}

// typeOf is the resource type of a kubernetes native id.
func typeOf(id string) resource.Type {
	switch {
	case len(id) > 5 && id[:5] == "node:":
		return resource.TypeK8sNode
	case len(id) > 4 && id[:4] == "pod:":
		return resource.TypePod
	case len(id) > 11 && id[:11] == "deployment:":
		return resource.TypeK8sDeployment
	}
	return resource.TypeK8sCluster
}
