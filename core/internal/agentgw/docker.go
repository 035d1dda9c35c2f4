package agentgw

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/resource"
)

// PlatformDocker is the platform of the docker module's records: a source of
// its own beside the host's agent records, never merged into them.
const PlatformDocker = "docker"

// Native ids of the docker records.
const (
	dockerEngineID = "engine"
	containerPfx   = "container:"
	servicePfx     = "service:"
)

// ProjectDocker maps the docker module's telemetry to canonical records of
// platform docker: the engine host as an `agent`, containers as
// `app-container` (runs-on the engine, member-of their swarm service) and
// swarm services as `docker-service` (member-of the engine), with the
// canonical metrics and the alerts the agent raised as attributes.
func ProjectDocker(fp, hostname string, d *agentwire.Docker, at time.Time) resource.Snapshot {
	var snap resource.Snapshot
	metric := func(id, name string, v float64) {
		if def, ok := resource.LookupMetric(name); ok {
			snap.Metrics = append(snap.Metrics, resource.Metric{Resource: id, Name: name, Value: v, Unit: string(def.Unit), Time: at})
		}
	}
	for _, a := range d.Alerts {
		sev := resource.Severity(a.Severity)
		if !resource.IsSeverity(sev) {
			sev = resource.SeverityWarning
		}
		snap.Alerts = append(snap.Alerts, resource.Alert{ID: a.Kind + "@" + a.Target, Resource: a.Target, Severity: sev,
			Kind: "docker-" + a.Kind, Message: a.Message, Started: at})
	}
	name := d.Name
	if name == "" {
		name = hostname
	}
	status := resource.StatusOnline
	if !d.Reachable {
		status = resource.StatusOffline
	}
	ea := map[string]any{"agent_fingerprint": fp, "runtime": d.Runtime, "endpoint": d.Endpoint, "engine_version": d.EngineVersion,
		"api_version": d.APIVersion, "os": d.OS, "arch": d.Arch, "containers_total": d.ContainersTotal,
		"containers_running": d.ContainersRunning, "swarm_role": d.SwarmRole, "actions": nonNil(d.Actions)}
	if d.Error != "" {
		ea["error"] = d.Error
	}
	var keys []resource.IdentityKey
	if k := (resource.IdentityKey{Kind: resource.KeySSHFingerprint, Value: fp}); k.Usable() {
		keys = append(keys, k)
	}
	if k := (resource.IdentityKey{Kind: resource.KeyHostname, Value: hostname}); k.Usable() {
		keys = append(keys, k)
	}
	ab, _ := json.Marshal(ea)
	snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypeAgent, NativeID: dockerEngineID, Name: name,
		Status: status, Identity: keys, Attributes: ab})
	if !d.Reachable {
		return snap
	}
	services := map[string]bool{}
	for _, s := range d.Services {
		id := servicePfx + s.ID
		services[s.ID] = true
		st := resource.StatusOnline
		if s.Running < s.Desired {
			st = resource.StatusDegraded
		}
		if s.Running == 0 && s.Desired > 0 {
			st = resource.StatusOffline
		}
		sa := map[string]any{"service_id": s.ID, "image": s.Image, "mode": s.Mode, "desired_replicas": s.Desired,
			"running_replicas": s.Running, "update_state": s.UpdateState}
		b, _ := json.Marshal(sa)
		snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypeDockerService, NativeID: id, Name: s.Name,
			Status: st, Topology: map[string]string{"host": name}, Attributes: b})
		snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: dockerEngineID})
		metric(id, "replicas_desired", float64(s.Desired))
		metric(id, "replicas_available", float64(s.Running))
	}
	for _, c := range d.Containers {
		id := containerPfx + c.ID
		ca := map[string]any{"container_id": c.ID, "image": c.Image, "image_digest": c.ImageDigest, "state": c.State,
			"health": c.Health, "restart_count": c.Restarts, "exit_code": c.ExitCode, "oom_killed": c.OOMKilled,
			"ports": nonNil(c.Ports), "labels": c.Labels, "compose_project": c.ComposeProject, "compose_service": c.ComposeService,
			"started_at": c.StartedAt, "finished_at": c.FinishedAt, "runtime": d.Runtime, "actions": nonNil(d.Actions)}
		b, _ := json.Marshal(ca)
		snap.Resources = append(snap.Resources, resource.Observation{Type: resource.TypeAppContainer, NativeID: id, Name: c.Name,
			Status: containerStatus(c), Topology: map[string]string{"host": name}, Attributes: b})
		snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelRunsOn, To: dockerEngineID})
		if c.ServiceID != "" && services[c.ServiceID] {
			snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: servicePfx + c.ServiceID})
		}
		metric(id, "restarts_total", float64(c.Restarts))
		if s := c.Stats; s != nil {
			if s.CPUUsageRatio != nil {
				metric(id, "cpu_usage_ratio", clamp01(*s.CPUUsageRatio))
			}
			if s.CPUs > 0 {
				metric(id, "cpu_cores", float64(s.CPUs))
			}
			metric(id, "memory_used_bytes", float64(s.MemUsedBytes))
			if s.MemLimitBytes > 0 {
				metric(id, "memory_total_bytes", float64(s.MemLimitBytes))
				metric(id, "memory_usage_ratio", clamp01(float64(s.MemUsedBytes)/float64(s.MemLimitBytes)))
				if s.Limited {
					metric(id, "memory_limit_bytes", float64(s.MemLimitBytes))
				}
			}
			metric(id, "network_receive_bytes_total", float64(s.NetRxBytes))
			metric(id, "network_transmit_bytes_total", float64(s.NetTxBytes))
			metric(id, "disk_read_bytes_total", float64(s.BlkRead))
			metric(id, "disk_write_bytes_total", float64(s.BlkWrite))
		}
	}
	return snap
}

// containerStatus maps a container's state and health.
func containerStatus(c agentwire.DockerContainer) resource.Status {
	switch c.State {
	case "running":
		if c.Health == "unhealthy" {
			return resource.StatusDegraded
		}
		return resource.StatusRunning
	case "restarting":
		return resource.StatusDegraded
	case "paused":
		return resource.StatusPaused
	case "exited", "dead":
		if c.ExitCode != 0 || c.OOMKilled {
			return resource.StatusDegraded
		}
		return resource.StatusStopped
	default:
		return resource.StatusStopped
	}
}

// ContainerRef parses an app-container's native id into the container id.
func ContainerRef(nativeID string) (string, bool) {
	return strings.CutPrefix(nativeID, containerPfx)
}
