package agentgw

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

func dockerTelemetry() *agentwire.Docker {
	ratio := 0.1
	return &agentwire.Docker{Reachable: true, Endpoint: "unix:///var/run/docker.sock", Runtime: "podman", EngineID: "E1", Name: "node1",
		EngineVersion: "5.4.2", APIVersion: "1.41", OS: "linux", ContainersTotal: 2, ContainersRunning: 1, SwarmRole: "manager",
		Actions: []string{"restart", "start", "stop"},
		Containers: []agentwire.DockerContainer{
			{ID: "c1", Name: "web", Image: "nginx:1.27", State: "running", Health: "unhealthy", Restarts: 4, ServiceID: "s1",
				Stats: &agentwire.DockerStats{CPUUsageRatio: &ratio, CPUs: 8, MemUsedBytes: 960 << 20, MemLimitBytes: 1 << 30, Limited: true, NetRxBytes: 10, NetTxBytes: 20, BlkRead: 30, BlkWrite: 40}},
			{ID: "c2", Name: "job", Image: "busybox", State: "exited", ExitCode: 2},
		},
		Services: []agentwire.DockerService{{ID: "s1", Name: "api", Mode: "replicated", Desired: 3, Running: 1}},
		Alerts: []agentwire.DockerAlert{{Kind: "unhealthy", Severity: "warning", Target: "container:c1", Message: "container web is unhealthy"},
			{Kind: "service-degraded", Severity: "warning", Target: "service:s1", Message: "service api runs 1 of 3"}},
	}
}

// TestDockerIsASeparateSource: the docker member of a report becomes
// records of platform docker beside (never merged into) the host's agent
// record, with relationships, canonical metrics and alerts.
func TestDockerIsASeparateSource(t *testing.T) {
	e := newEnv(t, Options{})
	k := newKey(t)
	e.enroll(k)
	tel := telemetry("node1")
	tel.Docker = dockerTelemetry()
	e.report(k, 1, agentwire.KindFull, tel)

	if hosts := e.st.Resources(store.Filter{Type: resource.TypeAgent}); len(hosts) != 2 {
		t.Fatalf("want the agent host and the docker engine as two records, got %d", len(hosts))
	}
	engines := e.st.Resources(store.Filter{Type: resource.TypeAgent, Platform: PlatformDocker})
	if len(engines) != 1 || len(engines[0].Sources) != 1 || engines[0].Sources[0].Platform != PlatformDocker {
		t.Fatalf("engine = %+v", engines)
	}
	var ea map[string]any
	_ = json.Unmarshal(engines[0].Attributes, &ea)
	if ea["runtime"] != "podman" || ea["swarm_role"] != "manager" || ea["engine_version"] != "5.4.2" {
		t.Errorf("engine attributes %s", engines[0].Attributes)
	}
	cs := e.st.Resources(store.Filter{Type: resource.TypeAppContainer})
	if len(cs) != 2 {
		t.Fatalf("containers = %d", len(cs))
	}
	var web resource.Resource
	for _, c := range cs {
		if c.Name == "web" {
			web = c
		}
	}
	if web.Status != resource.StatusDegraded || web.Platform != PlatformDocker {
		t.Errorf("web = %s %s", web.Status, web.Platform)
	}
	var kinds []string
	for _, r := range web.Relationships {
		kinds = append(kinds, string(r.Kind))
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"member-of", "runs-on"}) {
		t.Errorf("web relationships %+v", web.Relationships)
	}
	m := map[string]float64{}
	for _, x := range e.st.Metrics(web.ID) {
		m[x.Name] = x.Value
	}
	if m["cpu_usage_ratio"] != 0.1 || m["memory_limit_bytes"] != 1<<30 || m["restarts_total"] != 4 || m["network_receive_bytes_total"] != 10 || m["disk_write_bytes_total"] != 40 {
		t.Errorf("web metrics %v", m)
	}
	svcs := e.st.Resources(store.Filter{Type: resource.TypeDockerService})
	if len(svcs) != 1 || svcs[0].Status != resource.StatusDegraded {
		t.Fatalf("services %+v", svcs)
	}
	var alertKinds []string
	for _, a := range e.st.Alerts(store.AlertFilter{}) {
		alertKinds = append(alertKinds, a.Kind)
	}
	slices.Sort(alertKinds)
	if !slices.Equal(alertKinds, []string{"docker-service-degraded", "docker-unhealthy"}) {
		t.Errorf("alerts %v", alertKinds)
	}

	// The engine going unreachable: the engine offline with its alert.
	tel.Docker = &agentwire.Docker{Reachable: false, Runtime: "docker", Error: "connection refused",
		Alerts: []agentwire.DockerAlert{{Kind: "engine-unreachable", Severity: "critical", Target: "engine", Message: "down"}}}
	e.report(k, 2, agentwire.KindMetrics, tel)
	engines = e.st.Resources(store.Filter{Type: resource.TypeAgent, Platform: PlatformDocker})
	if len(engines) != 1 || engines[0].Status != resource.StatusOffline {
		t.Errorf("unreachable engine = %+v", engines)
	}
	if n := len(e.st.Resources(store.Filter{Type: resource.TypeAppContainer})); n != 2 {
		t.Errorf("an unreachable engine dropped its containers: %d left", n)
	}
	found := false
	for _, a := range e.st.Alerts(store.AlertFilter{}) {
		found = found || (a.Kind == "docker-engine-unreachable" && a.Severity == resource.SeverityCritical && a.Cleared == nil)
	}
	if !found {
		t.Error("no engine-unreachable alert")
	}
}
