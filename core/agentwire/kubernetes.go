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
	// Error says what failed, when something did.
	Error string `json:"error,omitempty"`
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
}
