// Package resource defines the canonical unified-resource vocabulary shared by
// the core, plugins and the agent: resource types, statuses, identity keys and
// relationship kinds. Plugins project into these types; there are no
// provider-local top-level types.
package resource

import "slices"

// Type is a canonical resource type.
type Type string

// The canonical resource types of the seed.
const (
	TypeAgent           Type = "agent"
	TypeVM              Type = "vm"
	TypeSystemContainer Type = "system-container"
	TypeAppContainer    Type = "app-container"
	TypeDockerService   Type = "docker-service"
	TypeK8sCluster      Type = "k8s-cluster"
	TypeK8sNode         Type = "k8s-node"
	TypePod             Type = "pod"
	TypeK8sDeployment   Type = "k8s-deployment"
	TypeStorage         Type = "storage"
	TypeCeph            Type = "ceph"
	TypePhysicalDisk    Type = "physical-disk"
	TypePBS             Type = "pbs"
	TypePMG             Type = "pmg"
)

// Types lists every canonical type in a stable order.
var Types = []Type{
	TypeAgent, TypeVM, TypeSystemContainer, TypeAppContainer, TypeDockerService,
	TypeK8sCluster, TypeK8sNode, TypePod, TypeK8sDeployment,
	TypeStorage, TypeCeph, TypePhysicalDisk, TypePBS, TypePMG,
}

// IsCanonical reports whether t is one of the canonical types.
func IsCanonical(t Type) bool { return slices.Contains(Types, t) }

// Status is the canonical state of a resource.
type Status string

// Canonical statuses.
const (
	StatusOnline      Status = "online"
	StatusOffline     Status = "offline"
	StatusRunning     Status = "running"
	StatusStopped     Status = "stopped"
	StatusPaused      Status = "paused"
	StatusSuspended   Status = "suspended"
	StatusDegraded    Status = "degraded"
	StatusMaintenance Status = "maintenance"
	StatusUnknown     Status = "unknown"
)

// Statuses lists every canonical status.
var Statuses = []Status{
	StatusOnline, StatusOffline, StatusRunning, StatusStopped, StatusPaused,
	StatusSuspended, StatusDegraded, StatusMaintenance, StatusUnknown,
}

// IsStatus reports whether s is a canonical status.
func IsStatus(s Status) bool { return slices.Contains(Statuses, s) }

// RelKind is the kind of a relationship between two resources.
type RelKind string

// Relationship kinds. A relationship points from the record that carries it
// to its target: a vm runs-on an agent, a vm is stored-on a storage, a disk is
// a member-of a storage pool, a pod has a k8s-deployment as parent.
const (
	RelRunsOn   RelKind = "runs-on"
	RelStoredOn RelKind = "stored-on"
	RelMemberOf RelKind = "member-of"
	RelParent   RelKind = "parent"
)

// RelKinds lists every relationship kind.
var RelKinds = []RelKind{RelRunsOn, RelStoredOn, RelMemberOf, RelParent}

// IsRelKind reports whether k is a relationship kind.
func IsRelKind(k RelKind) bool { return slices.Contains(RelKinds, k) }

// Severity is an alert severity.
type Severity string

// Alert severities.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// IsSeverity reports whether s is an alert severity.
func IsSeverity(s Severity) bool {
	return s == SeverityInfo || s == SeverityWarning || s == SeverityCritical
}

// RecoveryKind is the kind of a recovery point.
type RecoveryKind string

// Recovery point kinds.
const (
	RecoveryBackup   RecoveryKind = "backup"
	RecoverySnapshot RecoveryKind = "snapshot"
	RecoveryReplica  RecoveryKind = "replica"
)

// IsRecoveryKind reports whether k is a recovery point kind.
func IsRecoveryKind(k RecoveryKind) bool {
	return k == RecoveryBackup || k == RecoverySnapshot || k == RecoveryReplica
}
