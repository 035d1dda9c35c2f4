package agentgw

import (
	"encoding/json"
	"slices"
	"strings"
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
		Status: resource.StatusOnline, Attributes: attrs(map[string]any{"cluster_uid": k.ClusterUID, "version": k.Version, "nodes": len(k.Nodes), "error": k.Error,
			"pods": len(k.Pods), "deployments": len(k.Deployments), "metrics_api": k.MetricsAPI, "velero_schedules": nonNil(k.Schedules),
			"actions": nonNil(k.Actions)})})
	snap.RecoveryPoints = projectK8sRecovery(k, cluster)
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
		if u := n.Usage; u != nil {
			usage(metric, id, u, n.CPUCapacity, n.MemCapacity)
		}
	}
	nodes := make(map[string]agentwire.K8sNode, len(k.Nodes))
	for _, n := range k.Nodes {
		nodes[n.Name] = n
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
				"progressing": d.Progressing, "generation": d.Generation, "observed_generation": d.ObservedGeneration,
				"restarted_at": d.RestartedAt, "actions": actionsFor(k.Actions, "rollout-restart")})})
		snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: cluster})
		metric(id, "replicas_desired", float64(d.Desired))
		metric(id, "replicas_available", float64(d.Available))
	}
	for _, p := range k.Pods {
		id := "pod:" + p.Namespace + "/" + p.Name
		snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypePod, NativeID: id, Name: p.Namespace + "/" + p.Name,
			Status: podStatus(p), Topology: map[string]string{"cluster": name, "namespace": p.Namespace, "node": p.Node},
			Attributes: attrs(map[string]any{"uid": p.UID, "phase": p.Phase, "node": p.Node, "owner": p.Owner, "deployment": p.Deployment,
				"restarts": p.Restarts, "reasons": nonNil(p.Reasons), "cpu_request": p.CPURequest, "cpu_limit": p.CPULimit,
				"memory_limit_bytes": p.MemLimit, "actions": actionsFor(k.Actions, "delete")})})
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
		if u := p.Usage; u != nil {
			// Bounded by the pod's limits, else by its node.
			cpus, mem := p.CPULimit, p.MemLimit
			if n, ok := nodes[p.Node]; ok {
				if cpus <= 0 {
					cpus = n.CPUAllocatable
				}
				if mem <= 0 {
					mem = n.MemAllocatable
				}
			}
			usage(metric, id, u, cpus, mem)
		}
	}
	for _, a := range k.Alerts {
		sev := resource.Severity(a.Severity)
		if !resource.IsSeverity(sev) {
			sev = resource.SeverityWarning
		}
		target, res := a.Target, a.Target
		if target == "" {
			target = cluster
		}
		// Backups and snapshots are recovery points, not records: their
		// alerts are the cluster's.
		if res == "" || strings.HasPrefix(res, "backup:") || strings.HasPrefix(res, "snapshot:") {
			res = cluster
		}
		snap.Alerts = append(snap.Alerts, resource.Alert{ID: a.Kind + "@" + target, Resource: res, Severity: sev,
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

// usage adds a metrics.k8s.io sample as the canonical usage metrics; cpus
// and mem bound the ratios (0: unknown, no ratio).
func usage(metric func(id, name string, v float64), id string, u *agentwire.K8sUsage, cpus float64, mem int64) {
	metric(id, "memory_used_bytes", float64(u.MemoryBytes))
	if cpus > 0 {
		metric(id, "cpu_usage_ratio", clamp01(u.CPUCores/cpus))
	}
	if mem > 0 {
		if typeOf(id) == resource.TypePod {
			metric(id, "memory_total_bytes", float64(mem))
		}
		metric(id, "memory_usage_ratio", clamp01(float64(u.MemoryBytes)/float64(mem)))
	}
}

// actionsFor is the action a record of one kind takes (deployments
// rollout-restart, pods delete) when the agent declared it, that is while
// commands are enabled on it; else none, as the docker records say.
func actionsFor(declared []string, action string) []string {
	if slices.Contains(declared, action) {
		return []string{action}
	}
	return []string{}
}

// projectK8sRecovery maps Velero backups and CSI volume snapshots to
// recovery points of the cluster (the canonical shape the PBS and TrueNAS
// adapters use: kind, time, size, and the source's state as attributes).
func projectK8sRecovery(k *agentwire.Kubernetes, cluster string) []resource.RecoveryPoint {
	out := make([]resource.RecoveryPoint, 0, len(k.RecoveryPoints))
	for _, rp := range k.RecoveryPoints {
		kind, id := resource.RecoveryBackup, "velero-backup/"+rp.Namespace+"/"+rp.Name
		if rp.Source == "volume-snapshot" {
			kind, id = resource.RecoverySnapshot, "volume-snapshot/"+rp.Namespace+"/"+rp.Name
		}
		at := parseTime(rp.Completed)
		if at.IsZero() {
			at = parseTime(rp.Started)
		}
		a := map[string]any{"source": rp.Source, "namespace": rp.Namespace, "name": rp.Name, "uid": rp.UID,
			"state": strings.ToLower(rp.Phase), "phase": rp.Phase, "started": rp.Started, "completed": rp.Completed}
		for key, v := range map[string]string{"expires": rp.Expires, "error": rp.Message, "schedule": rp.Schedule,
			"storage_location": rp.StorageLocation, "pvc": rp.PVC, "snapshot_class": rp.SnapshotClass} {
			if v != "" {
				a[key] = v
			}
		}
		if rp.Source == "velero-backup" {
			a["errors"], a["warnings"] = rp.Errors, rp.Warnings
			a["included_namespaces"] = nonNil(rp.IncludedNamespaces)
		}
		b, _ := json.Marshal(a)
		out = append(out, resource.RecoveryPoint{ID: id, Resource: cluster, Kind: kind, Time: at, SizeBytes: rp.SizeBytes,
			Storage: rp.StorageLocation, Attributes: b})
	}
	return out
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
