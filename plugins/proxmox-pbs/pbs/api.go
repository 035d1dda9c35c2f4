package pbs

// The structs below are written from pbs-apidoc.json (its "returns"
// schemas), not from other clients: task entries carry worker_type and
// worker_id (not type and id), snapshot "files" are plain file names, a
// snapshot is encrypted when it carries a key "fingerprint", and the
// estimated full date comes only from /status/datastore-usage.

// versionInfo is GET /version.
type versionInfo struct {
	Version string `json:"version"`
	Release string `json:"release"`
	RepoID  string `json:"repoid"`
}

// usageTriple is total/used/free or total/used/avail in bytes.
type usageTriple struct {
	Total int64 `json:"total"`
	Used  int64 `json:"used"`
	Free  int64 `json:"free"`
	Avail int64 `json:"avail"`
}

// nodeStatus is GET /nodes/{node}/status.
type nodeStatus struct {
	CPU     float64 `json:"cpu"`
	Wait    float64 `json:"wait"`
	CPUInfo struct {
		CPUs    int    `json:"cpus"`
		Model   string `json:"model"`
		Sockets int    `json:"sockets"`
	} `json:"cpuinfo"`
	Kernel struct {
		Release string `json:"release"`
	} `json:"current-kernel"`
	BootInfo struct {
		Mode       string `json:"mode"`
		SecureBoot bool   `json:"secureboot"`
	} `json:"boot-info"`
	Info struct {
		Fingerprint string `json:"fingerprint"`
	} `json:"info"`
	LoadAvg []float64   `json:"loadavg"`
	Memory  usageTriple `json:"memory"`
	Swap    usageTriple `json:"swap"`
	Root    usageTriple `json:"root"`
	Uptime  int64       `json:"uptime"`
}

// subscription is GET /nodes/{node}/subscription.
type subscription struct {
	Status      string `json:"status"`
	ProductName string `json:"productname"`
	NextDueDate string `json:"nextduedate"`
	Message     string `json:"message"`
}

// identity is GET /nodes/{node}/identity (PBS 4.2 and later).
type identity struct {
	InstanceID string `json:"pbs-instance-id"`
}

// gcStatus is the "gc-status" of a datastore and the rows of /admin/gc.
type gcStatus struct {
	Store          string `json:"store"`
	DiskBytes      int64  `json:"disk-bytes"`
	DiskChunks     int64  `json:"disk-chunks"`
	IndexDataBytes int64  `json:"index-data-bytes"`
	PendingBytes   int64  `json:"pending-bytes"`
	RemovedBytes   int64  `json:"removed-bytes"`
	StillBad       int64  `json:"still-bad"`
	Schedule       string `json:"schedule"`
	LastRunState   string `json:"last-run-state"`
	LastRunEnd     int64  `json:"last-run-endtime"`
	NextRun        int64  `json:"next-run"`
	Duration       int64  `json:"duration"`
	UPID           string `json:"upid"`
}

// storeUsage is one row of GET /status/datastore-usage.
type storeUsage struct {
	Store         string    `json:"store"`
	Total         *int64    `json:"total"`
	Used          *int64    `json:"used"`
	Avail         *int64    `json:"avail"`
	Error         string    `json:"error"`
	EstimatedFull int64     `json:"estimated-full-date"`
	MountStatus   string    `json:"mount-status"`
	BackendType   string    `json:"backend-type"`
	GC            *gcStatus `json:"gc-status"`
}

// datastore is one row of GET /admin/datastore.
type datastore struct {
	Store       string `json:"store"`
	Comment     string `json:"comment"`
	Maintenance string `json:"maintenance"`
	MountStatus string `json:"mount-status"`
	BackendType string `json:"backend-type"`
}

// namespace is one row of GET /admin/datastore/{store}/namespace.
type namespace struct {
	NS string `json:"ns"`
}

// group is one row of GET /admin/datastore/{store}/groups.
type group struct {
	Type       string `json:"backup-type"`
	ID         string `json:"backup-id"`
	Count      int    `json:"backup-count"`
	LastBackup int64  `json:"last-backup"`
	Owner      string `json:"owner"`
	Comment    string `json:"comment"`
}

// snapshot is one row of GET /admin/datastore/{store}/snapshots.
type snapshot struct {
	Type         string `json:"backup-type"`
	ID           string `json:"backup-id"`
	Time         int64  `json:"backup-time"`
	Size         int64  `json:"size"`
	Owner        string `json:"owner"`
	Protected    bool   `json:"protected"`
	Comment      string `json:"comment"`
	Fingerprint  string `json:"fingerprint"`
	Verification *struct {
		State string `json:"state"`
		UPID  string `json:"upid"`
	} `json:"verification"`
}

// job is one row of GET /admin/{verify,sync,prune}.
type job struct {
	ID          string `json:"id"`
	Store       string `json:"store"`
	NS          string `json:"ns"`
	Schedule    string `json:"schedule"`
	Disable     bool   `json:"disable"`
	LastState   string `json:"last-run-state"`
	LastEnd     int64  `json:"last-run-endtime"`
	LastUPID    string `json:"last-run-upid"`
	NextRun     int64  `json:"next-run"`
	Remote      string `json:"remote"`
	RemoteStore string `json:"remote-store"`
}

// task is one row of GET /nodes/{node}/tasks.
type task struct {
	UPID       string `json:"upid"`
	Node       string `json:"node"`
	WorkerType string `json:"worker_type"`
	WorkerID   string `json:"worker_id"`
	User       string `json:"user"`
	Status     string `json:"status"`
	StartTime  int64  `json:"starttime"`
	EndTime    int64  `json:"endtime"`
}
