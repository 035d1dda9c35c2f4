package agentwire

// Telemetry is the agent spec's payload (section 4): identity, environment,
// resources, capabilities and health with the spec's field names and types,
// plus Pulse's extensions in added members. A decoder that knows only the
// spec's schema reads it unchanged.
type Telemetry struct {
	Identity     Identity     `json:"identity"`
	Environment  Environment  `json:"environment"`
	Resources    Resources    `json:"resources"`
	Capabilities Capabilities `json:"capabilities"`
	Health       Health       `json:"health"`

	// Extensions.

	// Agent describes the reporting agent.
	Agent *AgentInfo `json:"agent,omitempty"`
	// Filesystems are the mounted local filesystems.
	Filesystems []Filesystem `json:"filesystems,omitempty"`
	// BlockDevices are the physical block devices (disks), with serials.
	BlockDevices []BlockDevice `json:"block_devices,omitempty"`
	// Interfaces are the network interfaces with their MACs and addresses.
	Interfaces []Interface `json:"interfaces,omitempty"`
	// Temperatures are the hardware temperature sensors.
	Temperatures []Temperature `json:"temperatures,omitempty"`
	// Docker is the docker module's telemetry, when the module is on.
	Docker *Docker `json:"docker,omitempty"`
	// Kubernetes is the kubernetes module's telemetry, when the module is on.
	Kubernetes *Kubernetes `json:"kubernetes,omitempty"`
}

// Identity asserts who the host is. Only the key fingerprint is a
// credential; the rest are identity keys for merging.
type Identity struct {
	// HWUUID is the hardware UUID: the DMI/SMBIOS system UUID where the
	// agent can read it, else the machine-id (see HWUUIDSource).
	HWUUID string `json:"hw_uuid"`
	// Hostname is the host's name.
	Hostname string `json:"hostname"`
	// SSHPubkeyFingerprint is the agent key's SHA256: fingerprint.
	SSHPubkeyFingerprint string `json:"ssh_pubkey_fingerprint"`

	// Extensions.

	// HWUUIDSource is "dmi" or "machine-id": where HWUUID came from.
	HWUUIDSource string `json:"hw_uuid_source,omitempty"`
	// MachineID is /etc/machine-id (or the OS's equivalent).
	MachineID string `json:"machine_id,omitempty"`
	// DMIUUID is the DMI/SMBIOS system UUID when readable.
	DMIUUID string `json:"dmi_uuid,omitempty"`
	// Cluster is the host's cluster membership (a Proxmox VE node), when
	// the agent can read it.
	Cluster *ClusterMember `json:"cluster,omitempty"`
}

// ClusterMember names a host's cluster and its node name in it.
type ClusterMember struct {
	// Kind is the cluster software: "proxmox-ve".
	Kind string `json:"kind"`
	// Name is the cluster name.
	Name string `json:"name"`
	// Node is this host's node name in the cluster.
	Node string `json:"node"`
}

// Environment describes the host's platform and OS.
type Environment struct {
	// Platform is e.g. proxmox-lxc, aws-ec2, kvm, bare-metal.
	Platform string `json:"platform"`
	// OSFamily is e.g. linux, darwin, windows.
	OSFamily string `json:"os_family"`
	// KernelVersion is the running kernel's release.
	KernelVersion string `json:"kernel_version"`
	// LastUpdateTimestamp is when packages were last updated (ISO 8601).
	LastUpdateTimestamp string `json:"last_update_timestamp"`

	// Extensions.

	// OSName is the distribution's pretty name.
	OSName string `json:"os_name,omitempty"`
	// Arch is the CPU architecture (GOARCH).
	Arch string `json:"arch,omitempty"`
}

// Resources are the host's capacity and use.
type Resources struct {
	// MemTotalMB is the memory size in MiB.
	MemTotalMB int64 `json:"mem_total_mb"`
	// MemUsedMB is the memory in use (without reclaimable cache) in MiB.
	MemUsedMB int64 `json:"mem_used_mb"`
	// CPUModel is the CPU's model name.
	CPUModel string `json:"cpu_model"`
	// CPULoadAvg is the one-minute load average.
	CPULoadAvg float64 `json:"cpu_load_avg"`
	// DiskUtilizationPct is the root filesystem's use in percent.
	DiskUtilizationPct int64 `json:"disk_utilization_pct"`

	// Extensions (exact values behind the spec's rounded ones).

	// CPUCount is the number of logical CPUs.
	CPUCount int `json:"cpu_count,omitempty"`
	// CPUUsageRatio is CPU busy time since the previous report (0..1);
	// absent in the first report.
	CPUUsageRatio *float64 `json:"cpu_usage_ratio,omitempty"`
	// LoadAvg5 is the five-minute load average.
	LoadAvg5 float64 `json:"load_avg_5"`
	// LoadAvg15 is the fifteen-minute load average.
	LoadAvg15 float64 `json:"load_avg_15"`
	// MemTotalBytes is the memory size in bytes.
	MemTotalBytes uint64 `json:"mem_total_bytes,omitempty"`
	// MemUsedBytes is the memory in use in bytes.
	MemUsedBytes uint64 `json:"mem_used_bytes,omitempty"`
	// SwapTotalBytes is the swap size.
	SwapTotalBytes uint64 `json:"swap_total_bytes,omitempty"`
	// SwapUsedBytes is the swap in use.
	SwapUsedBytes uint64 `json:"swap_used_bytes,omitempty"`
	// RootTotalBytes is the root filesystem's size.
	RootTotalBytes uint64 `json:"root_total_bytes,omitempty"`
	// RootUsedBytes is the root filesystem's use.
	RootUsedBytes uint64 `json:"root_used_bytes,omitempty"`
}

// Capabilities lists what the host can do.
type Capabilities struct {
	// InstalledTools are tools found on the host (docker, python3, zfs...).
	InstalledTools []string `json:"installed_tools"`
}

// Health is the host's health.
type Health struct {
	// UptimeSeconds is the time since boot.
	UptimeSeconds int64 `json:"uptime_seconds"`
	// ThermalStatus is "normal", "warm" or "critical" when sensors exist.
	ThermalStatus string `json:"thermal_status,omitempty"`
}

// AgentInfo describes the reporting agent (extension).
type AgentInfo struct {
	// Version is the agent's version.
	Version string `json:"version"`
	// IntervalSeconds is the metrics report interval; the core marks the
	// agent stale after three intervals of silence.
	IntervalSeconds int64 `json:"interval_seconds"`
}

// Filesystem is one mounted filesystem (extension).
type Filesystem struct {
	// Mountpoint is where it is mounted.
	Mountpoint string `json:"mountpoint"`
	// Device is the mounted device or source.
	Device string `json:"device"`
	// FSType is the filesystem type (ext4, xfs, zfs...).
	FSType string `json:"fstype"`
	// TotalBytes is the size.
	TotalBytes uint64 `json:"total_bytes"`
	// UsedBytes is the space in use.
	UsedBytes uint64 `json:"used_bytes"`
	// AvailableBytes is the space available to unprivileged writers.
	AvailableBytes uint64 `json:"available_bytes"`
}

// BlockDevice is one physical disk (extension).
type BlockDevice struct {
	// Name is the kernel name (sda, nvme0n1).
	Name string `json:"name"`
	// Model is the drive model.
	Model string `json:"model,omitempty"`
	// Serial is the drive serial number.
	Serial string `json:"serial,omitempty"`
	// WWN is the drive's world wide name.
	WWN string `json:"wwn,omitempty"`
	// SizeBytes is the capacity.
	SizeBytes uint64 `json:"size_bytes"`
	// Rotational is true for spinning disks.
	Rotational bool `json:"rotational"`
	// ReadBytesTotal is bytes read since boot.
	ReadBytesTotal uint64 `json:"read_bytes_total"`
	// WrittenBytesTotal is bytes written since boot.
	WrittenBytesTotal uint64 `json:"written_bytes_total"`
	// TemperatureCelsius is the drive's own sensor, when readable.
	TemperatureCelsius *float64 `json:"temperature_celsius,omitempty"`
}

// Interface is one network interface (extension).
type Interface struct {
	// Name is the interface name.
	Name string `json:"name"`
	// MAC is the hardware address.
	MAC string `json:"mac,omitempty"`
	// Addresses are its IP addresses in CIDR form.
	Addresses []string `json:"addresses,omitempty"`
	// Physical is true for an interface backed by a device (not virtual).
	Physical bool `json:"physical"`
	// RxBytesTotal is bytes received since boot.
	RxBytesTotal uint64 `json:"rx_bytes_total"`
	// TxBytesTotal is bytes sent since boot.
	TxBytesTotal uint64 `json:"tx_bytes_total"`
}

// Temperature is one sensor reading (extension).
type Temperature struct {
	// Sensor names the sensor (hwmon chip and label, or thermal zone type).
	Sensor string `json:"sensor"`
	// Celsius is the reading.
	Celsius float64 `json:"celsius"`
}
