package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/pulsehost/pulse/core/agentwire"
)

// The optional APIs: present only where their CRDs (or the metrics server)
// are installed. Discovery decides; an absent API reports nothing and is
// not an error.
var (
	// VeleroBackups are Velero's Backup objects.
	VeleroBackups = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backups"}
	// VeleroSchedules are Velero's Schedule objects.
	VeleroSchedules = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}
	// VolumeSnapshots are CSI VolumeSnapshot objects.
	VolumeSnapshots = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshots"}
	// PodMetrics and NodeMetrics are metrics.k8s.io's usage samples.
	PodMetrics  = schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods"}
	NodeMetrics = schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "nodes"}
)

// rediscoverEvery is how often an absent optional API is looked for again
// (a CRD installed later is picked up).
const rediscoverEvery = 5 * time.Minute

// optional watches the optional APIs the cluster serves: Velero and CSI
// snapshot objects through unstructured informers (watched, not re-listed),
// metrics.k8s.io by one list per cycle (it cannot be watched).
type optional struct {
	disc    discovery.DiscoveryInterface
	dyn     dynamic.Interface
	now     func() time.Time
	factory dynamicinformer.DynamicSharedInformerFactory

	mu      sync.Mutex
	ctx     context.Context
	listers map[schema.GroupVersionResource]cache.GenericLister
	metrics bool
	checked time.Time
}

func newOptional(disc discovery.DiscoveryInterface, dyn dynamic.Interface, now func() time.Time) *optional {
	return &optional{disc: disc, dyn: dyn, now: now, factory: dynamicinformer.NewDynamicSharedInformerFactory(dyn, 10*time.Minute),
		listers: map[schema.GroupVersionResource]cache.GenericLister{}}
}

// served reports whether the API server serves gvr (discovery).
func (o *optional) served(gvr schema.GroupVersionResource) bool {
	list, err := o.disc.ServerResourcesForGroupVersion(gvr.GroupVersion().String())
	if err != nil || list == nil {
		return false
	}
	for _, r := range list.APIResources {
		if r.Name == gvr.Resource {
			return true
		}
	}
	return false
}

// discover starts an informer for each optional API found and not yet
// watched, and waits (bounded by ctx) for their first list. The informers
// run until the first discover's ctx ends.
func (o *optional) discover(ctx context.Context) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ctx == nil {
		o.ctx = ctx
	}
	o.checked = o.now()
	started := false
	for _, gvr := range []schema.GroupVersionResource{VeleroBackups, VeleroSchedules, VolumeSnapshots} {
		if _, ok := o.listers[gvr]; ok || !o.served(gvr) {
			continue
		}
		o.listers[gvr] = o.factory.ForResource(gvr).Lister()
		started = true
	}
	o.metrics = o.served(PodMetrics)
	if started {
		o.factory.Start(o.ctx.Done())
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		o.factory.WaitForCacheSync(wctx.Done())
		cancel()
	}
}

// collect adds usage, recovery points, schedules and their alerts.
func (o *optional) collect(ctx context.Context, k *agentwire.Kubernetes, alert func(kind, sev, target, f string, a ...any)) {
	o.mu.Lock()
	stale := o.now().Sub(o.checked) > rediscoverEvery && (len(o.listers) < 3 || !o.metrics)
	o.mu.Unlock()
	if stale {
		o.discover(ctx)
	}
	o.mu.Lock()
	metrics := o.metrics
	listers := make(map[schema.GroupVersionResource]cache.GenericLister, len(o.listers))
	for g, l := range o.listers {
		listers[g] = l
	}
	o.mu.Unlock()
	if metrics {
		if err := o.usage(ctx, k); err != nil {
			k.Error = joinErr(k.Error, "metrics.k8s.io: "+err.Error())
		} else {
			k.MetricsAPI = true
		}
	}
	if l := listers[VeleroBackups]; l != nil {
		objs, _ := l.List(labels.Everything())
		backups := make([]*unstructured.Unstructured, 0, len(objs))
		for _, ob := range objs {
			if u, ok := ob.(*unstructured.Unstructured); ok {
				backups = append(backups, u)
			}
		}
		k.RecoveryPoints = append(k.RecoveryPoints, veleroBackups(backups, alert)...)
	}
	if l := listers[VeleroSchedules]; l != nil {
		objs, _ := l.List(labels.Everything())
		for _, ob := range objs {
			if u, ok := ob.(*unstructured.Unstructured); ok {
				k.Schedules = append(k.Schedules, veleroSchedule(u))
			}
		}
	}
	if l := listers[VolumeSnapshots]; l != nil {
		objs, _ := l.List(labels.Everything())
		for _, ob := range objs {
			if u, ok := ob.(*unstructured.Unstructured); ok {
				rp := volumeSnapshot(u)
				if rp.Phase == "Failed" {
					alert("snapshot-failed", "warning", "snapshot:"+rp.Namespace+"/"+rp.Name, "volume snapshot %s/%s of %s failed: %s", rp.Namespace, rp.Name, rp.PVC, rp.Message)
				}
				k.RecoveryPoints = append(k.RecoveryPoints, rp)
			}
		}
	}
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// usage lists metrics.k8s.io's pod and node samples onto the cluster's
// pods and nodes. Against a real API server the lists are decoded straight
// into the few fields read (a 2,000-pod list decoded as unstructured costs
// several times the memory); the dynamic client serves the fakes of tests.
func (o *optional) usage(ctx context.Context, k *agentwire.Kubernetes) error {
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	nodes, err := o.samples(lctx, NodeMetrics)
	if err != nil {
		return err
	}
	for i := range k.Nodes {
		k.Nodes[i].Usage = nodes[k.Nodes[i].Name]
	}
	pods, err := o.samples(lctx, PodMetrics)
	if err != nil {
		return err
	}
	for i := range k.Pods {
		k.Pods[i].Usage = pods[k.Pods[i].Namespace+"/"+k.Pods[i].Name]
	}
	return nil
}

// sampleList is the part of a PodMetricsList / NodeMetricsList read.
type sampleList struct {
	Items []struct {
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Window     string            `json:"window"`
		Usage      map[string]string `json:"usage"`
		Containers []struct {
			Usage map[string]string `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// samples lists one metrics.k8s.io resource, keyed by ns/name (nodes: name).
func (o *optional) samples(ctx context.Context, gvr schema.GroupVersionResource) (map[string]*agentwire.K8sUsage, error) {
	var l sampleList
	if rc := o.disc.RESTClient(); rc != nil && !reflect.ValueOf(rc).IsNil() {
		raw, err := rc.Get().AbsPath("/apis", gvr.Group, gvr.Version, gvr.Resource).DoRaw(ctx)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, fmt.Errorf("decode %s: %w", gvr.Resource, err)
		}
	} else {
		ul, err := o.dyn.Resource(gvr).List(ctx, listAll)
		if err != nil {
			return nil, err
		}
		raw, err := ul.MarshalJSON()
		if err == nil {
			err = json.Unmarshal(raw, &l)
		}
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", gvr.Resource, err)
		}
	}
	out := make(map[string]*agentwire.K8sUsage, len(l.Items))
	for _, it := range l.Items {
		s := &agentwire.K8sUsage{Window: it.Window, CPUCores: quantity(it.Usage["cpu"]), MemoryBytes: int64(quantity(it.Usage["memory"]))}
		for _, c := range it.Containers {
			s.CPUCores += quantity(c.Usage["cpu"])
			s.MemoryBytes += int64(quantity(c.Usage["memory"]))
		}
		name := it.Metadata.Name
		if it.Metadata.Namespace != "" {
			name = it.Metadata.Namespace + "/" + name
		}
		out[name] = s
	}
	return out, nil
}

// quantity parses a Kubernetes quantity ("250m", "512Mi"); 0 when absent
// or malformed.
func quantity(s string) float64 {
	if s == "" {
		return 0
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0
	}
	return q.AsApproximateFloat64()
}

func str(obj map[string]any, fields ...string) string {
	s, _, _ := unstructured.NestedString(obj, fields...)
	return s
}

func num(obj map[string]any, fields ...string) int64 {
	v, ok, _ := unstructured.NestedFieldNoCopy(obj, fields...)
	if !ok {
		return 0
	}
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case string:
		return int64(quantity(n))
	}
	return 0
}
