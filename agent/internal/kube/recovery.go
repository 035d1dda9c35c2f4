package kube

import (
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/pulsehost/pulse/core/agentwire"
)

var listAll = metav1.ListOptions{}

// VeleroScheduleLabel names the schedule that made a backup.
const VeleroScheduleLabel = "velero.io/schedule-name"

// veleroBackups maps Velero Backups to recovery points. A Failed backup
// (or FailedValidation) alerts critical and a PartiallyFailed one warning, unless a newer backup
// of the same schedule has completed since (the failure is then history).
func veleroBackups(in []*unstructured.Unstructured, alert func(kind, sev, target, f string, a ...any)) []agentwire.K8sRecoveryPoint {
	out := make([]agentwire.K8sRecoveryPoint, 0, len(in))
	for _, u := range in {
		o := u.Object
		inc, _, _ := unstructured.NestedStringSlice(o, "spec", "includedNamespaces")
		out = append(out, agentwire.K8sRecoveryPoint{Source: "velero-backup", Namespace: u.GetNamespace(), Name: u.GetName(), UID: string(u.GetUID()),
			Phase: str(o, "status", "phase"), Started: str(o, "status", "startTimestamp"), Completed: str(o, "status", "completionTimestamp"),
			Expires: str(o, "status", "expiration"), Errors: int(num(o, "status", "errors")), Warnings: int(num(o, "status", "warnings")),
			Message: str(o, "status", "failureReason"), Schedule: u.GetLabels()[VeleroScheduleLabel],
			StorageLocation: str(o, "spec", "storageLocation"), IncludedNamespaces: inc})
	}
	sort.Slice(out, func(i, j int) bool { return started(out[i]) < started(out[j]) })
	// The newest completed start time per schedule.
	lastOK := map[string]string{}
	for _, b := range out {
		if b.Phase == "Completed" && b.Schedule != "" {
			lastOK[b.Schedule] = started(b)
		}
	}
	for _, b := range out {
		failed := b.Phase == "Failed" || b.Phase == "FailedValidation"
		if !failed && b.Phase != "PartiallyFailed" {
			continue
		}
		if b.Schedule != "" && lastOK[b.Schedule] > started(b) {
			continue
		}
		target := "backup:" + b.Namespace + "/" + b.Name
		why := b.Message
		if why == "" {
			why = "see velero backup describe"
		}
		if failed {
			alert("backup-failed", "critical", target, "velero backup %s %s (%d errors): %s", b.Name, strings.ToLower(strings.Replace(b.Phase, "FailedValidation", "failed validation", 1)), b.Errors, why)
		} else {
			alert("backup-partially-failed", "warning", target, "velero backup %s partially failed (%d errors, %d warnings)", b.Name, b.Errors, b.Warnings)
		}
	}
	return out
}

func started(b agentwire.K8sRecoveryPoint) string {
	if b.Started != "" {
		return b.Started
	}
	return b.Completed
}

// veleroSchedule maps a Velero Schedule.
func veleroSchedule(u *unstructured.Unstructured) agentwire.K8sSchedule {
	o := u.Object
	paused, _, _ := unstructured.NestedBool(o, "spec", "paused")
	return agentwire.K8sSchedule{Namespace: u.GetNamespace(), Name: u.GetName(), Schedule: str(o, "spec", "schedule"),
		Phase: str(o, "status", "phase"), LastBackup: str(o, "status", "lastBackup"), Paused: paused}
}

// volumeSnapshot maps a CSI VolumeSnapshot: Ready when readyToUse, Failed
// when it carries an error, else Pending.
func volumeSnapshot(u *unstructured.Unstructured) agentwire.K8sRecoveryPoint {
	o := u.Object
	ready, _, _ := unstructured.NestedBool(o, "status", "readyToUse")
	rp := agentwire.K8sRecoveryPoint{Source: "volume-snapshot", Namespace: u.GetNamespace(), Name: u.GetName(), UID: string(u.GetUID()),
		Phase: "Pending", Started: u.GetCreationTimestamp().UTC().Format("2006-01-02T15:04:05Z"), Completed: str(o, "status", "creationTime"),
		Message: str(o, "status", "error", "message"), PVC: str(o, "spec", "source", "persistentVolumeClaimName"),
		SnapshotClass: str(o, "spec", "volumeSnapshotClassName"), SizeBytes: num(o, "status", "restoreSize")}
	switch {
	case ready:
		rp.Phase = "Ready"
	case rp.Message != "":
		rp.Phase = "Failed"
	}
	return rp
}
