package agentwire

// Docker is the docker module's telemetry (extension member "docker" of
// Telemetry): the container engine on the host (Docker, or Podman through
// its Docker-compatible socket), its containers and swarm services. The core
// projects it as a separate source of platform docker, never merged into the
// host's agent record.
type Docker struct {
	// Reachable is false when the engine did not answer; Error says why.
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	// Endpoint is the engine address the agent used (unix:///var/run/docker.sock).
	Endpoint string `json:"endpoint"`
	// Runtime is "docker" or "podman".
	Runtime string `json:"runtime"`
	// EngineID is the engine's own ID (Info.ID), its identity.
	EngineID string `json:"engine_id,omitempty"`
	// Name is the engine host's name as the engine reports it.
	Name string `json:"name,omitempty"`
	// EngineVersion and APIVersion are the engine's version and the
	// negotiated Engine API version.
	EngineVersion string `json:"engine_version,omitempty"`
	APIVersion    string `json:"api_version,omitempty"`
	// OS and Arch are the engine's operating system and architecture.
	OS   string `json:"os,omitempty"`
	Arch string `json:"arch,omitempty"`
	// ContainersTotal and ContainersRunning are the engine's counts.
	ContainersTotal   int `json:"containers_total"`
	ContainersRunning int `json:"containers_running"`
	// SwarmRole is "manager", "worker" or "" (not in a swarm).
	SwarmRole string `json:"swarm_role,omitempty"`
	// SwarmNodeID and SwarmClusterID identify the swarm membership.
	SwarmNodeID    string `json:"swarm_node_id,omitempty"`
	SwarmClusterID string `json:"swarm_cluster_id,omitempty"`
	// Containers are every container (running or not).
	Containers []DockerContainer `json:"containers,omitempty"`
	// Services are the swarm services (on a manager).
	Services []DockerService `json:"services,omitempty"`
	// Alerts are the conditions the agent found, evaluated against its
	// thresholds with the history it keeps (restart loops).
	Alerts []DockerAlert `json:"alerts,omitempty"`
	// Actions are the actions the agent executes on containers; empty
	// unless commands are enabled on the agent.
	Actions []string `json:"actions,omitempty"`
}

// DockerContainer is one container.
type DockerContainer struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Image       string            `json:"image"`
	ImageDigest string            `json:"image_digest,omitempty"`
	State       string            `json:"state"`
	Health      string            `json:"health,omitempty"`
	Restarts    int               `json:"restart_count"`
	ExitCode    int               `json:"exit_code"`
	OOMKilled   bool              `json:"oom_killed,omitempty"`
	StartedAt   string            `json:"started_at,omitempty"`
	FinishedAt  string            `json:"finished_at,omitempty"`
	Ports       []string          `json:"ports,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	// ComposeProject and ComposeService come from the compose labels.
	ComposeProject string `json:"compose_project,omitempty"`
	ComposeService string `json:"compose_service,omitempty"`
	// ServiceID is the swarm service the container is a task of.
	ServiceID string `json:"service_id,omitempty"`
	// Stats is the container's usage; nil when not running or unread.
	Stats *DockerStats `json:"stats,omitempty"`
}

// DockerStats is one stats snapshot of a running container.
type DockerStats struct {
	// CPUUsageRatio is CPU use since the previous snapshot over the CPUs
	// the container may use (0..1); nil on the first snapshot.
	CPUUsageRatio *float64 `json:"cpu_usage_ratio,omitempty"`
	CPUs          int      `json:"cpus,omitempty"`
	// MemUsedBytes excludes the reclaimable page cache.
	MemUsedBytes  uint64 `json:"mem_used_bytes"`
	MemLimitBytes uint64 `json:"mem_limit_bytes,omitempty"`
	// Limited is true when MemLimitBytes is a limit set on the container
	// (not the host's memory).
	Limited    bool   `json:"mem_limited,omitempty"`
	NetRxBytes uint64 `json:"net_rx_bytes"`
	NetTxBytes uint64 `json:"net_tx_bytes"`
	BlkRead    uint64 `json:"blk_read_bytes"`
	BlkWrite   uint64 `json:"blk_write_bytes"`
}

// DockerService is one swarm service.
type DockerService struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Image       string `json:"image,omitempty"`
	Mode        string `json:"mode"`
	Desired     uint64 `json:"desired_replicas"`
	Running     uint64 `json:"running_replicas"`
	UpdateState string `json:"update_state,omitempty"`
}

// DockerAlert is one condition the docker module raised.
type DockerAlert struct {
	// Kind is unhealthy, restart-loop, exited-nonzero, oom-killed,
	// memory-high, service-degraded or engine-unreachable.
	Kind string `json:"kind"`
	// Severity is warning or critical.
	Severity string `json:"severity"`
	// Target is "engine", "container:<id>" or "service:<id>".
	Target  string `json:"target"`
	Message string `json:"message"`
}
