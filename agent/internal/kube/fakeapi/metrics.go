package fakeapi

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The metrics.k8s.io v1beta1 shapes (k8s.io/metrics' PodMetrics and
// NodeMetrics), written here so the fake needs no more modules.
type containerMetrics struct {
	Name  string              `json:"name"`
	Usage corev1.ResourceList `json:"usage"`
}

type podMetrics struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Timestamp         metav1.Time        `json:"timestamp"`
	Window            metav1.Duration    `json:"window"`
	Containers        []containerMetrics `json:"containers"`
}

type nodeMetrics struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Timestamp         metav1.Time         `json:"timestamp"`
	Window            metav1.Duration     `json:"window"`
	Usage             corev1.ResourceList `json:"usage"`
}

type metricsList[T any] struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Items           []T `json:"items"`
}

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t) }

// share is a stable pseudo-random fraction for a name that drifts a little
// each minute.
func share(name string, now time.Time, lo, hi float64) float64 {
	h := sha256.Sum256([]byte(name + now.Truncate(time.Minute).String()))
	return lo + (hi-lo)*float64(h[0])/255
}

// usage computes the metrics server's samples from the running pods; the
// caller holds mu.
func (c *Cluster) usage(now time.Time) ([]podMetrics, []nodeMetrics) {
	window := metav1.Duration{Duration: 30 * time.Second}
	stamp := metaTime(now.Truncate(15 * time.Second))
	var pods []podMetrics
	nodeCPU, nodeMem := map[string]int64{}, map[string]int64{}
	for _, o := range c.st.kinds[key(podsGVR)].objs {
		p := o.obj.(*corev1.Pod)
		if p.Status.Phase != corev1.PodRunning || !podReady(p) {
			continue
		}
		pm := podMetrics{TypeMeta: metav1.TypeMeta{Kind: "PodMetrics", APIVersion: "metrics.k8s.io/v1beta1"},
			ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, Labels: p.Labels, CreationTimestamp: metaTime(now)},
			Timestamp:  stamp, Window: window}
		for _, ct := range p.Spec.Containers {
			cpu := int64(float64(ct.Resources.Limits.Cpu().MilliValue()) * share(p.Name+"cpu", now, 0.05, 0.7))
			mem := int64(float64(ct.Resources.Limits.Memory().Value()) * share(p.Name+"mem", now, 0.3, 0.85))
			pm.Containers = append(pm.Containers, containerMetrics{Name: ct.Name, Usage: corev1.ResourceList{
				corev1.ResourceCPU: *resource.NewMilliQuantity(cpu, resource.DecimalSI), corev1.ResourceMemory: *resource.NewQuantity(mem, resource.BinarySI)}})
			nodeCPU[p.Spec.NodeName] += cpu
			nodeMem[p.Spec.NodeName] += mem
		}
		pods = append(pods, pm)
	}
	var nodes []nodeMetrics
	for _, n := range c.readyNodes() {
		nodes = append(nodes, nodeMetrics{TypeMeta: metav1.TypeMeta{Kind: "NodeMetrics", APIVersion: "metrics.k8s.io/v1beta1"},
			ObjectMeta: metav1.ObjectMeta{Name: n, CreationTimestamp: metaTime(now)}, Timestamp: stamp, Window: window,
			Usage: corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(nodeCPU[n]+350, resource.DecimalSI),
				corev1.ResourceMemory: *resource.NewQuantity(nodeMem[n]+1500<<20, resource.BinarySI)}})
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name })
	return pods, nodes
}

// metricsList answers a metrics list. Like the metrics server, whose
// samples change once per resolution (15 s), it answers from the encoding
// of the current sample while the cluster has not changed.
func (c *Cluster) metricsList(w http.ResponseWriter, info kindInfo, ns string) {
	now := c.o.Now()
	c.st.mu.Lock()
	ck := fmt.Sprintf("%s|%s|%d|%d", info.gvr.Resource, ns, now.Truncate(15*time.Second).Unix(), c.st.rv)
	body, ok := c.metricsCache[ck]
	if !ok {
		pods, nodes := c.usage(now)
		var v any
		if info.gvr == nodeMetricsGVR {
			v = metricsList[nodeMetrics]{TypeMeta: metav1.TypeMeta{Kind: "NodeMetricsList", APIVersion: "metrics.k8s.io/v1beta1"}, Items: nodes}
		} else {
			l := metricsList[podMetrics]{TypeMeta: metav1.TypeMeta{Kind: "PodMetricsList", APIVersion: "metrics.k8s.io/v1beta1"}, Items: []podMetrics{}}
			for _, p := range pods {
				if ns == "" || p.Namespace == ns {
					l.Items = append(l.Items, p)
				}
			}
			v = l
		}
		body, _ = json.Marshal(v)
		if len(c.metricsCache) > 16 {
			clear(c.metricsCache)
		}
		c.metricsCache[ck] = body
	}
	c.st.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (c *Cluster) metricsGet(w http.ResponseWriter, info kindInfo, ns, name string) {
	c.st.mu.Lock()
	pods, nodes := c.usage(c.o.Now())
	c.st.mu.Unlock()
	if info.gvr == nodeMetricsGVR {
		for _, n := range nodes {
			if n.Name == name {
				writeJSON(w, http.StatusOK, n)
				return
			}
		}
	} else {
		for _, p := range pods {
			if p.Namespace == ns && p.Name == name {
				writeJSON(w, http.StatusOK, p)
				return
			}
		}
	}
	writeStatus(w, apierrors.NewNotFound(info.gvr.GroupResource(), fmt.Sprint(name)))
}
