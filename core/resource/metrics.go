package resource

import (
	"slices"
	"sync"
)

// MetricKind says how a metric's values behave over time.
type MetricKind string

// Metric kinds, as Prometheus means them.
const (
	// Gauge is a value that goes up and down (a usage, a size, a temperature).
	Gauge MetricKind = "gauge"
	// Counter only grows, except when its source restarts (a reset). Counters
	// stay counters on the wire; the core derives rates where it needs them.
	Counter MetricKind = "counter"
)

// Unit is a metric's unit. The name of a metric ends in its unit, as in
// Prometheus (`_bytes`, `_seconds`, `_ratio`, `_celsius`, and `_total` after
// the unit for counters).
type Unit string

// Units of the vocabulary.
const (
	UnitRatio   Unit = "ratio"   // 0..1 (a ratio above 1 only where the doc says so)
	UnitBytes   Unit = "bytes"   // bytes
	UnitSeconds Unit = "seconds" // seconds
	UnitCelsius Unit = "celsius" // degrees Celsius
	UnitCount   Unit = "count"   // a dimensionless number of things
)

// MetricDef is one metric of the canonical vocabulary.
type MetricDef struct {
	Name  string     `json:"name"`
	Unit  Unit       `json:"unit"`
	Kind  MetricKind `json:"kind"`
	Types []Type     `json:"types"` // the resource types it applies to
	Doc   string     `json:"doc"`
}

// AppliesTo reports whether the metric may be reported for resources of t.
func (d MetricDef) AppliesTo(t Type) bool { return slices.Contains(d.Types, t) }

// Type groups used by the vocabulary below.
var (
	computeTypes = []Type{TypeAgent, TypeVM, TypeSystemContainer, TypeAppContainer, TypePod, TypeK8sNode, TypePBS, TypePMG}
	hostTypes    = []Type{TypeAgent, TypeK8sNode, TypePBS, TypePMG}
	guestTypes   = []Type{TypeAgent, TypeVM, TypeSystemContainer, TypeAppContainer, TypePod, TypePBS, TypePMG}
	storageTypes = []Type{TypeStorage, TypeCeph}
)

// Metrics is the canonical metric vocabulary: every metric a plugin or agent
// may report, with the same name, unit and meaning on every platform. Ingest
// rejects a name outside it, or one reported for a type it does not apply
// to. Keep it sorted by domain, then name; append new names with a doc line.
var Metrics = []MetricDef{
	// Compute: hosts, guests and containers.
	{"cpu_usage_ratio", UnitRatio, Gauge, computeTypes, "CPU busy time over the sample interval, as a share of all the CPUs the resource may use (0..1)."},
	{"cpu_cores", UnitCount, Gauge, computeTypes, "Logical CPUs the resource has or may use."},
	{"load1", UnitCount, Gauge, hostTypes, "One-minute load average."},
	{"load5", UnitCount, Gauge, hostTypes, "Five-minute load average."},
	{"load15", UnitCount, Gauge, hostTypes, "Fifteen-minute load average."},
	{"memory_used_bytes", UnitBytes, Gauge, computeTypes, "Memory in use, excluding reclaimable page cache where the platform tells them apart."},
	{"memory_total_bytes", UnitBytes, Gauge, computeTypes, "Memory the resource has (a guest's configured maximum, a container's limit when it has one, else its host's)."},
	{"memory_usage_ratio", UnitRatio, Gauge, computeTypes, "memory_used_bytes / memory_total_bytes (0..1)."},
	{"swap_used_bytes", UnitBytes, Gauge, computeTypes, "Swap in use."},
	{"swap_total_bytes", UnitBytes, Gauge, computeTypes, "Swap configured."},
	{"disk_used_bytes", UnitBytes, Gauge, guestTypes, "Root or guest filesystem space in use (for a host: its root filesystem)."},
	{"disk_total_bytes", UnitBytes, Gauge, guestTypes, "Root or guest filesystem size."},
	{"disk_usage_ratio", UnitRatio, Gauge, guestTypes, "disk_used_bytes / disk_total_bytes (0..1)."},
	{"disk_read_bytes_total", UnitBytes, Counter, append(slices.Clone(computeTypes), TypePhysicalDisk), "Bytes read from block devices since the source started counting."},
	{"disk_write_bytes_total", UnitBytes, Counter, append(slices.Clone(computeTypes), TypePhysicalDisk), "Bytes written to block devices since the source started counting."},
	{"network_receive_bytes_total", UnitBytes, Counter, computeTypes, "Bytes received on all network interfaces since the source started counting."},
	{"network_transmit_bytes_total", UnitBytes, Counter, computeTypes, "Bytes sent on all network interfaces since the source started counting."},
	{"uptime_seconds", UnitSeconds, Gauge, computeTypes, "Time since the resource last started."},
	{"temperature_celsius", UnitCelsius, Gauge, []Type{TypeAgent, TypePhysicalDisk, TypePBS, TypePMG}, "Hottest sensor of the resource (CPU package for a host, the drive's own sensor for a disk)."},

	// Storage: pools, datastores, filesystems, Ceph.
	{"storage_used_bytes", UnitBytes, Gauge, storageTypes, "Space in use."},
	{"storage_total_bytes", UnitBytes, Gauge, storageTypes, "Usable size."},
	{"storage_available_bytes", UnitBytes, Gauge, storageTypes, "Space still available to writers (may be less than total minus used)."},
	{"storage_usage_ratio", UnitRatio, Gauge, storageTypes, "storage_used_bytes / storage_total_bytes (0..1)."},
	{"storage_deduplication_ratio", UnitRatio, Gauge, []Type{TypeStorage}, "Logical bytes the stored backups reference over the bytes they occupy (PBS: index-data-bytes / disk-bytes of the last GC); above 1 means savings, so this ratio may exceed 1."},

	// Ceph.
	{"ceph_osds_up", UnitCount, Gauge, []Type{TypeCeph}, "Ceph OSDs that are up."},
	{"ceph_osds", UnitCount, Gauge, []Type{TypeCeph}, "Ceph OSDs in the cluster map."},

	// Physical disks.
	{"disk_life_remaining_ratio", UnitRatio, Gauge, []Type{TypePhysicalDisk}, "SSD endurance left as the drive reports it (1 = new)."},
	{"disk_power_on_seconds", UnitSeconds, Gauge, []Type{TypePhysicalDisk}, "Power-on time from SMART."},

	// Mail gateways (postfix queues, summed over the gateway's nodes; per
	// node in the resource's attributes).
	{"mail_queue_messages", UnitCount, Gauge, []Type{TypePMG}, "Messages in the postfix queues (active, deferred, hold and incoming together)."},
	{"mail_queue_deferred_messages", UnitCount, Gauge, []Type{TypePMG}, "Messages in the deferred queue (delivery failed, will be retried)."},
	{"mail_queue_hold_messages", UnitCount, Gauge, []Type{TypePMG}, "Messages on hold (kept until an operator releases or deletes them)."},
	{"mail_queue_oldest_age_seconds", UnitSeconds, Gauge, []Type{TypePMG}, "Age of the oldest message in any queue."},

	// Containers and orchestrators.
	{"restarts_total", UnitCount, Counter, []Type{TypeAppContainer, TypePod}, "Restarts since the container or pod was created."},
	{"memory_limit_bytes", UnitBytes, Gauge, []Type{TypeAppContainer, TypePod}, "Memory limit set on the container or pod (absent when unlimited)."},
	{"replicas_desired", UnitCount, Gauge, []Type{TypeDockerService, TypeK8sDeployment}, "Replicas the service or deployment asks for."},
	{"replicas_available", UnitCount, Gauge, []Type{TypeDockerService, TypeK8sDeployment}, "Replicas running and available."},
}

// LookupMetric finds a metric of the vocabulary by name.
func LookupMetric(name string) (MetricDef, bool) {
	d, ok := metricIndex()[name]
	return d, ok
}

var metricIndex = sync.OnceValue(func() map[string]MetricDef {
	m := make(map[string]MetricDef, len(Metrics))
	for _, d := range Metrics {
		m[d.Name] = d
	}
	return m
})
