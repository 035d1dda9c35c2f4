package kube

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	fakedynamic "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/pulsehost/pulse/core/agentwire"
)

func obj(gvr schema.GroupVersionResource, kind, ns, name string, fields map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range fields {
		u.Object[k] = v
	}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func listKinds() map[schema.GroupVersionResource]string {
	return map[schema.GroupVersionResource]string{VeleroBackups: "BackupList", VeleroSchedules: "ScheduleList",
		VolumeSnapshots: "VolumeSnapshotList", PodMetrics: "PodMetricsList", NodeMetrics: "NodeMetricsList"}
}

// TestOptionalAPIs: with the Velero, snapshot and metrics APIs served,
// backups (with the failed-backup alerts), schedules, snapshots and usage
// are reported; without them, nothing and no error.
func TestOptionalAPIs(t *testing.T) {
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	backup := func(name, sched, phase, start string) *unstructured.Unstructured {
		u := obj(VeleroBackups, "Backup", "velero", name, map[string]any{
			"spec":   map[string]any{"storageLocation": "default", "includedNamespaces": []any{"shop"}},
			"status": map[string]any{"phase": phase, "startTimestamp": start, "completionTimestamp": start, "expiration": "2026-12-31T00:00:00Z", "errors": int64(2), "failureReason": "bucket unreachable"}})
		if sched != "" {
			u.SetLabels(map[string]string{VeleroScheduleLabel: sched})
		}
		return u
	}
	objs := []runtime.Object{
		// daily: an old failure, superseded by a later success (no alert).
		backup("daily-1", "daily", "Failed", "2026-11-29T01:00:00Z"), backup("daily-2", "daily", "Completed", "2026-11-30T01:00:00Z"),
		// hourly: the newest failed partially (alert).
		backup("hourly-1", "hourly", "Completed", "2026-12-01T00:00:00Z"), backup("hourly-2", "hourly", "PartiallyFailed", "2026-12-01T01:00:00Z"),
		backup("adhoc", "", "Failed", "2026-12-01T01:30:00Z"),
		backup("bad-spec", "", "FailedValidation", "2026-12-01T01:40:00Z"),
		obj(VeleroSchedules, "Schedule", "velero", "daily", map[string]any{"spec": map[string]any{"schedule": "0 1 * * *"},
			"status": map[string]any{"phase": "Enabled", "lastBackup": "2026-11-30T01:00:00Z"}}),
		obj(VolumeSnapshots, "VolumeSnapshot", "shop", "db-snap", map[string]any{"spec": map[string]any{"source": map[string]any{"persistentVolumeClaimName": "db-data"}},
			"status": map[string]any{"readyToUse": true, "restoreSize": "10Gi", "creationTime": "2026-12-01T00:30:00Z"}}),
		obj(VolumeSnapshots, "VolumeSnapshot", "shop", "bad-snap", map[string]any{"spec": map[string]any{"source": map[string]any{"persistentVolumeClaimName": "db-data"}},
			"status": map[string]any{"readyToUse": false, "error": map[string]any{"message": "csi driver timeout"}}}),
	}
	// metrics.k8s.io's resource names (pods, nodes) are not what the fake
	// guesses from the kinds, so these are created by resource.
	usage := []*unstructured.Unstructured{
		obj(NodeMetrics, "NodeMetrics", "", "n1", map[string]any{"window": "30s", "usage": map[string]any{"cpu": "1500m", "memory": "2Gi"}}),
		obj(PodMetrics, "PodMetrics", "shop", "web-1", map[string]any{"window": "30s", "containers": []any{
			map[string]any{"name": "a", "usage": map[string]any{"cpu": "250m", "memory": "64Mi"}},
			map[string]any{"name": "b", "usage": map[string]any{"cpu": "50m", "memory": "16Mi"}}}}),
	}
	core := []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "c"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-1", CreationTimestamp: metav1.NewTime(now)}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}}

	t.Run("served", func(t *testing.T) {
		cs := fake.NewClientset(core...)
		cs.Discovery().(*fakediscovery.FakeDiscovery).Resources = []*metav1.APIResourceList{
			{GroupVersion: "velero.io/v1", APIResources: []metav1.APIResource{{Name: "backups", Namespaced: true, Kind: "Backup"}, {Name: "schedules", Namespaced: true, Kind: "Schedule"}}},
			{GroupVersion: "snapshot.storage.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "volumesnapshots", Namespaced: true, Kind: "VolumeSnapshot"}}},
			{GroupVersion: "metrics.k8s.io/v1beta1", APIResources: []metav1.APIResource{{Name: "pods", Namespaced: true, Kind: "PodMetrics"}, {Name: "nodes", Kind: "NodeMetrics"}}},
		}
		dyn := fakedynamic.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds(), objs...)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, u := range usage {
			gvr := NodeMetrics
			if u.GetKind() == "PodMetrics" {
				gvr = PodMetrics
			}
			if _, err := dyn.Resource(gvr).Namespace(u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		m, err := New(ctx, Options{Clientset: cs, Dynamic: dyn, Name: "lab", Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		k := m.Collect(ctx)
		if k.Error != "" || !k.MetricsAPI {
			t.Fatalf("error %q metrics %v", k.Error, k.MetricsAPI)
		}
		if u := k.Nodes[0].Usage; u == nil || u.CPUCores != 1.5 || u.MemoryBytes != 2<<30 {
			t.Errorf("node usage %+v", u)
		}
		if u := k.Pods[0].Usage; u == nil || u.CPUCores < 0.2999 || u.CPUCores > 0.3001 || u.MemoryBytes != 80<<20 {
			t.Errorf("pod usage %+v", u)
		}
		byName := map[string]agentwire.K8sRecoveryPoint{}
		for _, rp := range k.RecoveryPoints {
			byName[rp.Name] = rp
		}
		if len(k.RecoveryPoints) != 8 {
			t.Fatalf("recovery points %+v", k.RecoveryPoints)
		}
		if b := byName["daily-2"]; b.Phase != "Completed" || b.Schedule != "daily" || b.Expires != "2026-12-31T00:00:00Z" || b.StorageLocation != "default" || b.Errors != 2 {
			t.Errorf("daily-2 %+v", b)
		}
		if s := byName["db-snap"]; s.Source != "volume-snapshot" || s.Phase != "Ready" || s.PVC != "db-data" || s.SizeBytes != 10<<30 {
			t.Errorf("db-snap %+v", s)
		}
		if s := byName["bad-snap"]; s.Phase != "Failed" || s.Message != "csi driver timeout" {
			t.Errorf("bad-snap %+v", s)
		}
		if len(k.Schedules) != 1 || k.Schedules[0].Schedule != "0 1 * * *" || k.Schedules[0].LastBackup == "" {
			t.Errorf("schedules %+v", k.Schedules)
		}
		var got []string
		for _, a := range k.Alerts {
			got = append(got, a.Kind+"@"+a.Target)
		}
		slices.Sort(got)
		want := []string{"backup-failed@backup:velero/adhoc", "backup-failed@backup:velero/bad-spec", "backup-partially-failed@backup:velero/hourly-2", "snapshot-failed@snapshot:shop/bad-snap"}
		if !slices.Equal(got, want) {
			t.Errorf("alerts\n got %v\nwant %v", got, want)
		}
	})
	t.Run("absent", func(t *testing.T) {
		cs := fake.NewClientset(core...)
		dyn := fakedynamic.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		m, err := New(ctx, Options{Clientset: cs, Dynamic: dyn, Name: "lab", Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		k := m.Collect(ctx)
		if k.Error != "" || k.MetricsAPI || len(k.RecoveryPoints) != 0 || len(k.Schedules) != 0 || len(k.Alerts) != 0 || k.Pods[0].Usage != nil {
			t.Errorf("without the optional APIs: %+v", k)
		}
	})
}
