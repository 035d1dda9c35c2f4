package fakeapi

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The custom resources follow Velero's velero.io/v1 Backup and Schedule
// and the CSI external-snapshotter's snapshot.storage.k8s.io/v1
// VolumeSnapshot as their CRDs define them (the fields the agent reads, and
// the usual ones beside them).

func crd(gvr schema.GroupVersionResource, kind, ns, name string, labels map[string]string, spec, status map[string]any, created time.Time) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec, "status": status}}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetUID(uid(kind, ns, name))
	u.SetLabels(labels)
	u.SetGeneration(1)
	u.SetCreationTimestamp(metaTime(created))
	return u
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// recovery adds the Velero schedules and backups and the volume
// snapshots; the caller holds mu.
func (c *Cluster) recovery(now time.Time) {
	day := now.Truncate(24 * time.Hour)
	if !c.o.NoVelero {
		sched := func(name, cron string, ns []string, last time.Time) {
			_ = c.st.put(schedulesGVR, crd(schedulesGVR, "Schedule", "velero", name, nil,
				map[string]any{"schedule": cron, "useOwnerReferencesInBackup": false,
					"template": map[string]any{"includedNamespaces": toAny(ns), "storageLocation": "default", "ttl": "720h0m0s"}},
				map[string]any{"phase": "Enabled", "lastBackup": ts(last)}, now.Add(-60*24*time.Hour)))
		}
		backup := func(name, sched, phase string, ns []string, start time.Time, took time.Duration, errs, warns int, reason string) {
			labels := map[string]string{"velero.io/storage-location": "default"}
			if sched != "" {
				labels["velero.io/schedule-name"] = sched
			}
			status := map[string]any{"phase": phase, "version": int64(1), "formatVersion": "1.1.0", "startTimestamp": ts(start),
				"expiration": ts(start.Add(720 * time.Hour)), "progress": map[string]any{"totalItems": int64(412), "itemsBackedUp": int64(412)}}
			if phase != "InProgress" {
				status["completionTimestamp"] = ts(start.Add(took))
			}
			if errs > 0 {
				status["errors"] = int64(errs)
			}
			if warns > 0 {
				status["warnings"] = int64(warns)
			}
			if reason != "" {
				status["failureReason"] = reason
			}
			_ = c.st.put(backupsGVR, crd(backupsGVR, "Backup", "velero", name, labels,
				map[string]any{"includedNamespaces": toAny(ns), "storageLocation": "default", "ttl": "720h0m0s", "snapshotVolumes": true}, status, start))
		}
		sched("daily", "0 1 * * *", []string{"*"}, day.Add(-23*time.Hour))
		sched("hourly-db", "0 * * * *", []string{"payments"}, now.Truncate(time.Hour))
		for i := 3; i >= 1; i-- {
			start := day.Add(time.Duration(-24*i+1) * time.Hour)
			backup(fmt.Sprintf("daily-%s", start.Format("20060102010405")), "daily", "Completed", []string{"*"}, start, 7*time.Minute, 0, 0, "")
		}
		h := now.Truncate(time.Hour)
		backup(fmt.Sprintf("hourly-db-%s", h.Add(-2*time.Hour).Format("20060102150405")), "hourly-db", "Completed", []string{"payments"}, h.Add(-2*time.Hour), time.Minute, 0, 0, "")
		if c.o.Faults {
			backup(fmt.Sprintf("hourly-db-%s", h.Add(-time.Hour).Format("20060102150405")), "hourly-db", "PartiallyFailed", []string{"payments"}, h.Add(-time.Hour), time.Minute, 2, 5, "")
			backup("pre-upgrade-shop", "", "Failed", []string{"shop"}, now.Add(-3*time.Hour), 40*time.Second, 1, 0,
				"error checking if backup already exists in object storage: rpc error: code = Unknown desc = bucket lab-velero not reachable")
		} else {
			backup(fmt.Sprintf("hourly-db-%s", h.Add(-time.Hour).Format("20060102150405")), "hourly-db", "Completed", []string{"payments"}, h.Add(-time.Hour), time.Minute, 0, 0, "")
		}
	}
	if !c.o.NoSnapshots {
		snap := func(ns, name, pvc string, at time.Time, ready bool, size, errMsg string) {
			status := map[string]any{"boundVolumeSnapshotContentName": "snapcontent-" + string(uid("vsc", ns, name)), "readyToUse": ready}
			if ready {
				status["creationTime"], status["restoreSize"] = ts(at), size
			}
			if errMsg != "" {
				status["error"] = map[string]any{"time": ts(at), "message": errMsg}
			}
			_ = c.st.put(snapshotsGVR, crd(snapshotsGVR, "VolumeSnapshot", ns, name, nil,
				map[string]any{"volumeSnapshotClassName": "csi-lab-snapclass", "source": map[string]any{"persistentVolumeClaimName": pvc}}, status, at))
		}
		snap("shop", "shop-db-data-nightly", "shop-db-data", day.Add(-22*time.Hour), true, "20Gi", "")
		snap("payments", "ledger-data-pre-migration", "ledger-data", now.Add(-5*time.Hour), true, "8Gi", "")
		if c.o.Faults {
			snap("monitoring", "grafana-data-weekly", "grafana-data", now.Add(-2*time.Hour), false, "", "Failed to check and update snapshot content: csi driver lab.csi.example timed out")
		}
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
