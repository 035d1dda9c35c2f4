package agentwire

// Kubernetes is the kubernetes module's telemetry (extension member
// "kubernetes" of Telemetry): one cluster as the agent's informers see it.
// The core projects it as a separate source of platform kubernetes.
type Kubernetes struct {
	// ClusterUID is the kube-system namespace's UID: the cluster's identity.
	ClusterUID string `json:"cluster_uid"`
	// Name is the cluster's name (the kubeconfig context, or in-cluster).
	Name string `json:"name"`
	// Version is the API server's version (v1.33.1).
	Version     string          `json:"version"`
	Nodes       []K8sNode       `json:"nodes,omitempty"`
	Pods        []K8sPod        `json:"pods,omitempty"`
	Deployments []K8sDeployment `json:"deployments,omitempty"`
	// Alerts use the docker module's shape (kind, severity, target, message);
	// targets are "node:<name>", "pod:<ns>/<name>", "deployment:<ns>/<name>".
	Alerts []DockerAlert `json:"alerts,omitempty"`
	// Actions are the actions the agent executes on the cluster (empty
	// when commands are off): rollout-restart (deployments), delete (pods).
	Actions []string `json:"actions,omitempty"`
	// RecoveryPoints are the cluster's Velero backups and CSI volume
	// snapshots, when those CRDs exist.
	RecoveryPoints []K8sRecoveryPoint `json:"recovery_points,omitempty"`
	// Schedules are the Velero backup schedules.
	Schedules []K8sSchedule `json:"schedules,omitempty"`
	// MetricsAPI says the metrics.k8s.io API answered (usage is present).
	MetricsAPI bool `json:"metrics_api,omitempty"`
	// Error says what failed, when something did.
	Error string `json:"error,omitempty"`
}

// K8sRecoveryPoint is one Velero Backup or CSI VolumeSnapshot.
type K8sRecoveryPoint struct {
	// Source is velero-backup or volume-snapshot.
	Source    string `json:"source"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid,omitempty"`
	// Phase is the Velero phase (Completed, PartiallyFailed, Failed,
	// InProgress ...), or for a snapshot Ready / Pending / Failed.
	Phase string `json:"phase,omitempty"`
	// Times are RFC 3339 (empty when unknown).
	Started   string `json:"started,omitempty"`
	Completed string `json:"completed,omitempty"`
	Expires   string `json:"expires,omitempty"`
	Errors    int    `json:"errors,omitempty"`
	Warnings  int    `json:"warnings,omitempty"`
	// Message is the failure reason or the snapshot's error message.
	Message string `json:"message,omitempty"`
	// Schedule is the Velero schedule that made the backup.
	Schedule string `json:"schedule,omitempty"`
	// StorageLocation is the Velero backup storage location.
	StorageLocation string `json:"storage_location,omitempty"`
	// IncludedNamespaces are what a backup covers (empty: all).
	IncludedNamespaces []string `json:"included_namespaces,omitempty"`
	// PVC, SnapshotClass and SizeBytes describe a volume snapshot.
	PVC           string `json:"pvc,omitempty"`
	SnapshotClass string `json:"snapshot_class,omitempty"`
	SizeBytes     int64  `json:"size_bytes,omitempty"`
}

// K8sSchedule is one Velero Schedule.
type K8sSchedule struct {
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	Schedule   string `json:"schedule"`
	Phase      string `json:"phase,omitempty"`
	LastBackup string `json:"last_backup,omitempty"`
	Paused     bool   `json:"paused,omitempty"`
}

// K8sNode is one node.
type K8sNode struct {
	Name           string            `json:"name"`
	UID            string            `json:"uid"`
	Ready          bool              `json:"ready"`
	Conditions     map[string]string `json:"conditions,omitempty"`
	KubeletVersion string            `json:"kubelet_version,omitempty"`
	CPUCapacity    float64           `json:"cpu_capacity"`
	MemCapacity    int64             `json:"memory_capacity_bytes"`
	CPUAllocatable float64           `json:"cpu_allocatable"`
	MemAllocatable int64             `json:"memory_allocatable_bytes"`
	Taints         []string          `json:"taints,omitempty"`
	// Usage is from metrics.k8s.io, when the metrics API exists.
	Usage *K8sUsage `json:"usage,omitempty"`
}

// K8sUsage is a metrics.k8s.io sample.
type K8sUsage struct {
	// CPUCores is the CPU in use, in cores (250m = 0.25).
	CPUCores float64 `json:"cpu_cores"`
	// MemoryBytes is the working set.
	MemoryBytes int64 `json:"memory_bytes"`
	// Window is the sample window (30s).
	Window string `json:"window,omitempty"`
}

// K8sPod is one pod.
type K8sPod struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
	Phase     string `json:"phase"`
	Node      string `json:"node,omitempty"`
	// Owner is the controlling owner, kind/name (ReplicaSet/web-5d9c).
	Owner string `json:"owner,omitempty"`
	// Deployment is the deployment that owns the pod's ReplicaSet.
	Deployment string `json:"deployment,omitempty"`
	Restarts   int    `json:"restarts"`
	// Reasons are the containers' waiting/terminated reasons
	// (CrashLoopBackOff, ImagePullBackOff, OOMKilled).
	Reasons    []string `json:"reasons,omitempty"`
	CPURequest float64  `json:"cpu_request,omitempty"`
	MemLimit   int64    `json:"memory_limit_bytes,omitempty"`
	CreatedAt  string   `json:"created_at,omitempty"`
	// CPULimit is the sum of the containers' CPU limits in cores (0: none
	// on some container, so the node bounds it).
	CPULimit float64 `json:"cpu_limit,omitempty"`
	// Usage is from metrics.k8s.io (summed over containers).
	Usage *K8sUsage `json:"usage,omitempty"`
}

// K8sDeployment is one deployment.
type K8sDeployment struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
	Desired   int32  `json:"desired_replicas"`
	Updated   int32  `json:"updated_replicas"`
	Ready     int32  `json:"ready_replicas"`
	Available int32  `json:"available_replicas"`
	// Progressing is the Progressing condition's reason
	// (NewReplicaSetAvailable, ProgressDeadlineExceeded).
	Progressing string `json:"progressing,omitempty"`
	// Generation and ObservedGeneration show a rollout in progress (the
	// controller has not yet seen the newest spec when they differ).
	Generation         int64 `json:"generation,omitempty"`
	ObservedGeneration int64 `json:"observed_generation,omitempty"`
	// RestartedAt is the pod template's kubectl.kubernetes.io/restartedAt
	// (the last rollout restart).
	RestartedAt string `json:"restarted_at,omitempty"`
}
