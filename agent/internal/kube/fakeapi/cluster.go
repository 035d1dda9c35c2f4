package fakeapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var (
	namespacesGVR  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	nodesGVR       = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	podsGVR        = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	replicaSetsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	backupsGVR     = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backups"}
	schedulesGVR   = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}
	snapshotsGVR   = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshots"}
	podMetricsGVR  = schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods"}
	nodeMetricsGVR = schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "nodes"}
)

var rw = []string{"get", "list", "watch"}

// FaultAnnotation on a deployment makes its first pod unhealthy the way
// the value says (CrashLoopBackOff, ImagePullBackOff, OOMKilled); pods the
// simulated controllers make keep it, as in a real cluster.
const FaultAnnotation = "pulse.lab/fault"

// Options configure a Cluster.
type Options struct {
	// Nodes is the number of nodes (default 3); the last is NotReady when
	// Faults is on and there are at least 2.
	Nodes int
	// Pods is the number of pods to reach with generic deployments beside
	// the lab's own (0: only the lab's).
	Pods int
	// Faults adds the lab's faults (a CrashLoopBackOff pod, an image pull
	// failure, an OOM-killed container, a NotReady node, a failed and a
	// partially failed Velero backup, a failed volume snapshot).
	Faults bool
	// NoVelero, NoSnapshots and NoMetrics leave those APIs out (their
	// discovery then answers 404, as on a cluster without the CRDs).
	NoVelero, NoSnapshots, NoMetrics bool
	// RolloutDelay is how long a rollout or a pod's recreation takes
	// (default 300ms).
	RolloutDelay time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

// Cluster is the fake cluster and its API server.
type Cluster struct {
	o        Options
	st       *store
	kindList []kindInfo
	token    string
	version  string
	rnd      *rand.Rand
	rndMu    sync.Mutex
	done     chan struct{}
	requests atomic.Int64
	watches  atomic.Int64
	wg       sync.WaitGroup
	// metricsCache holds encoded metrics lists (guarded by st.mu).
	metricsCache map[string][]byte
}

// New builds the cluster with the lab's objects.
func New(o Options) *Cluster {
	if o.Nodes <= 0 {
		o.Nodes = 3
	}
	if o.RolloutDelay <= 0 {
		o.RolloutDelay = 300 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	kinds := []kindInfo{
		{gvr: namespacesGVR, kind: "Namespace", verbs: rw, watchable: true},
		{gvr: nodesGVR, kind: "Node", verbs: rw, watchable: true},
		{gvr: podsGVR, kind: "Pod", namespaced: true, verbs: append(rw, "delete"), watchable: true},
		{gvr: deploymentsGVR, kind: "Deployment", namespaced: true, verbs: append(rw, "patch"), watchable: true},
		{gvr: replicaSetsGVR, kind: "ReplicaSet", namespaced: true, verbs: rw, watchable: true},
	}
	if !o.NoVelero {
		kinds = append(kinds, kindInfo{gvr: backupsGVR, kind: "Backup", namespaced: true, verbs: rw, watchable: true},
			kindInfo{gvr: schedulesGVR, kind: "Schedule", namespaced: true, verbs: rw, watchable: true})
	}
	if !o.NoSnapshots {
		kinds = append(kinds, kindInfo{gvr: snapshotsGVR, kind: "VolumeSnapshot", namespaced: true, verbs: rw, watchable: true})
	}
	if !o.NoMetrics {
		kinds = append(kinds, kindInfo{gvr: podMetricsGVR, kind: "PodMetrics", namespaced: true, verbs: []string{"get", "list"}},
			kindInfo{gvr: nodeMetricsGVR, kind: "NodeMetrics", verbs: []string{"get", "list"}})
	}
	c := &Cluster{o: o, st: newStore(kinds), kindList: kinds, version: "v1.33.1", rnd: rand.New(rand.NewPCG(1, 2)), done: make(chan struct{}),
		metricsCache: map[string][]byte{}}
	var tok [16]byte
	for i := range tok {
		tok[i] = byte(rand.Uint32())
	}
	c.token = hex.EncodeToString(tok[:])
	c.populate()
	return c
}

// Token is the bearer token clients present.
func (c *Cluster) Token() string { return c.token }

// Requests is the number of requests served (cost measurements).
func (c *Cluster) Requests() int64 { return c.requests.Load() }

// Close ends open watches and waits for pending rollouts.
func (c *Cluster) Close() {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	c.wg.Wait()
}

func uid(parts ...string) types.UID {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p + "\x00"))
	}
	b := h.Sum(nil)
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

const suffixChars = "bcdfghjklmnpqrstvwxz2456789"

func (c *Cluster) suffix(n int) string {
	c.rndMu.Lock()
	defer c.rndMu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = suffixChars[c.rnd.IntN(len(suffixChars))]
	}
	return string(b)
}

// templateHash is the pod-template-hash of a template.
func templateHash(t corev1.PodTemplateSpec) string {
	b, _ := json.Marshal(t)
	s := sha256.Sum256(b)
	out := make([]byte, 10)
	for i := range out {
		out[i] = suffixChars[int(s[i])%len(suffixChars)]
	}
	return string(out)
}

func ctrlRef(kind, apiVersion, name string, u types.UID) []metav1.OwnerReference {
	t := true
	return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: u, Controller: &t, BlockOwnerDeletion: &t}}
}

// spec is one lab deployment.
type spec struct {
	ns, name, image string
	replicas        int32
	cpu, mem        string // per-pod limits
	fault           string
}

func (c *Cluster) populate() {
	now := c.o.Now().UTC()
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	for _, ns := range []string{"kube-system", "default", "shop", "payments", "monitoring", "velero", "load"} {
		_ = c.st.put(namespacesGVR, &corev1.Namespace{TypeMeta: metav1.TypeMeta{Kind: "Namespace", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, UID: uid("ns", ns), CreationTimestamp: metav1.NewTime(now.Add(-90 * 24 * time.Hour)),
				Labels: map[string]string{"kubernetes.io/metadata.name": ns}},
			Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}})
	}
	for i := range c.o.Nodes {
		name := fmt.Sprintf("lab-node-%02d", i+1)
		ready := corev1.ConditionTrue
		if c.o.Faults && c.o.Nodes >= 2 && i == c.o.Nodes-1 {
			ready = corev1.ConditionUnknown
		}
		cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason string) corev1.NodeCondition {
			return corev1.NodeCondition{Type: t, Status: s, Reason: reason, LastHeartbeatTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))}
		}
		readyReason := "KubeletReady"
		if ready != corev1.ConditionTrue {
			readyReason = "NodeStatusUnknown"
		}
		n := &corev1.Node{TypeMeta: metav1.TypeMeta{Kind: "Node", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Name: name, UID: uid("node", name), CreationTimestamp: metav1.NewTime(now.Add(-60 * 24 * time.Hour)),
				Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}},
			Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", i)},
			Status: corev1.NodeStatus{
				Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi"),
					corev1.ResourcePods: resource.MustParse("250")},
				Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("7800m"), corev1.ResourceMemory: resource.MustParse("31Gi"),
					corev1.ResourcePods: resource.MustParse("250")},
				Conditions: []corev1.NodeCondition{cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory"),
					cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure"),
					cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID"), cond(corev1.NodeReady, ready, readyReason)},
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.0.0.%d", 10+i)}, {Type: corev1.NodeHostName, Address: name}},
				NodeInfo: corev1.NodeSystemInfo{KubeletVersion: c.version, KubeProxyVersion: c.version, OSImage: "Debian GNU/Linux 13 (trixie)",
					ContainerRuntimeVersion: "containerd://2.1.4", KernelVersion: "6.12.48-amd64", OperatingSystem: "linux", Architecture: "amd64"}}}
		if i == 0 {
			n.Labels["node-role.kubernetes.io/control-plane"] = ""
			n.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
		}
		if ready != corev1.ConditionTrue {
			n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute})
		}
		_ = c.st.put(nodesGVR, n)
	}
	specs := []spec{
		{ns: "kube-system", name: "coredns", image: "registry.k8s.io/coredns/coredns:v1.12.1", replicas: 2, cpu: "100m", mem: "170Mi"},
		{ns: "kube-system", name: "metrics-server", image: "registry.k8s.io/metrics-server/metrics-server:v0.8.0", replicas: 1, cpu: "100m", mem: "200Mi"},
		{ns: "shop", name: "web", image: "nginx:1.27", replicas: 3, cpu: "500m", mem: "256Mi"},
		{ns: "shop", name: "api", image: "shop/api:5.2", replicas: 2, cpu: "1", mem: "512Mi"},
		{ns: "monitoring", name: "grafana", image: "grafana/grafana:12.1.0", replicas: 1, cpu: "500m", mem: "512Mi"},
		{ns: "velero", name: "velero", image: "velero/velero:v1.17.0", replicas: 1, cpu: "1", mem: "512Mi"},
	}
	if c.o.Faults {
		specs = append(specs,
			spec{ns: "shop", name: "worker", image: "shop/worker:2.3", replicas: 2, cpu: "250m", mem: "256Mi", fault: "CrashLoopBackOff"},
			spec{ns: "payments", name: "ledger", image: "registry.example/payments/ledger:9.9.9", replicas: 1, cpu: "250m", mem: "256Mi", fault: "ImagePullBackOff"},
			spec{ns: "payments", name: "reconciler", image: "payments/reconciler:1.4", replicas: 1, cpu: "250m", mem: "128Mi", fault: "OOMKilled"},
			spec{ns: "default", name: "report-builder", image: "reports/builder:3", replicas: 1, cpu: "6", mem: "24Gi", fault: "Unschedulable"})
	}
	total := int32(0)
	for _, s := range specs {
		total += s.replicas
	}
	for i := 0; c.o.Pods > 0 && total < int32(c.o.Pods); i++ {
		r := min(int32(10), int32(c.o.Pods)-total)
		specs = append(specs, spec{ns: "load", name: fmt.Sprintf("app-%03d", i), image: fmt.Sprintf("load/app:%d", i%7), replicas: r, cpu: "200m", mem: "128Mi"})
		total += r
	}
	for _, s := range specs {
		c.addDeployment(s, now)
	}
	c.recovery(now)
}

// addDeployment makes a deployment, its ReplicaSet and its pods; the
// caller holds mu.
func (c *Cluster) addDeployment(s spec, now time.Time) {
	labels := map[string]string{"app.kubernetes.io/name": s.name}
	d := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{Kind: "Deployment", APIVersion: "apps/v1"},
		ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: s.name, UID: uid("deploy", s.ns, s.name), Generation: 1,
			CreationTimestamp: metav1.NewTime(now.Add(-30 * 24 * time.Hour)), Labels: labels,
			Annotations: map[string]string{"deployment.kubernetes.io/revision": "1"}},
		Spec: appsv1.DeploymentSpec{Replicas: &s.replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: s.name, Image: s.image,
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(s.cpu), corev1.ResourceMemory: resource.MustParse(s.mem)},
						Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(s.cpu), corev1.ResourceMemory: resource.MustParse(s.mem)}}}},
					RestartPolicy: corev1.RestartPolicyAlways}}}}
	if s.fault != "" {
		d.Annotations[FaultAnnotation] = s.fault
	}
	c.rollTo(d, now)
}

// rollTo makes the deployment's current ReplicaSet with fresh pods,
// scales older ReplicaSets to zero and deletes their pods, then writes the
// deployment's status; the caller holds mu.
func (c *Cluster) rollTo(d *appsv1.Deployment, now time.Time) {
	hash := templateHash(d.Spec.Template)
	rsName := d.Name + "-" + hash
	replicas := *d.Spec.Replicas
	for _, o := range c.st.kinds[key(replicaSetsGVR)].objs {
		old := o.obj.(*appsv1.ReplicaSet)
		if old.Namespace != d.Namespace || old.Name == rsName || metav1.GetControllerOf(old) == nil || metav1.GetControllerOf(old).UID != d.UID {
			continue
		}
		if *old.Spec.Replicas != 0 {
			up := old.DeepCopy()
			zero := int32(0)
			up.Spec.Replicas = &zero
			up.Status = appsv1.ReplicaSetStatus{ObservedGeneration: up.Generation + 1}
			up.Generation++
			_ = c.st.put(replicaSetsGVR, up)
		}
		for _, p := range c.podsOf(old) {
			c.st.remove(podsGVR, p.Namespace, p.Name)
		}
	}
	rs, ok := c.st.get(replicaSetsGVR, d.Namespace, rsName)
	var set *appsv1.ReplicaSet
	if ok {
		set = rs.obj.(*appsv1.ReplicaSet).DeepCopy()
	} else {
		tl := d.Spec.Template.DeepCopy()
		tl.Labels["pod-template-hash"] = hash
		set = &appsv1.ReplicaSet{TypeMeta: metav1.TypeMeta{Kind: "ReplicaSet", APIVersion: "apps/v1"},
			ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, Name: rsName, UID: uid("rs", d.Namespace, rsName, now.String()), Generation: 1,
				CreationTimestamp: metav1.NewTime(now), Labels: tl.Labels, OwnerReferences: ctrlRef("Deployment", "apps/v1", d.Name, d.UID),
				Annotations: map[string]string{"deployment.kubernetes.io/desired-replicas": fmt.Sprint(replicas)}},
			Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: tl.Labels}, Template: *tl}}
	}
	set.Spec.Replicas = &replicas
	pods := c.podsOf(set)
	needFault := d.Annotations[FaultAnnotation] != ""
	for _, p := range pods {
		if !podReady(p) || p.Status.ContainerStatuses[0].LastTerminationState.Terminated != nil {
			needFault = false
		}
	}
	for i := len(pods); i < int(replicas); i++ {
		c.newPod(d, set, needFault, now)
		needFault = false
	}
	ready := int32(0)
	for _, p := range c.podsOf(set) {
		if podReady(p) {
			ready++
		}
	}
	set.Status = appsv1.ReplicaSetStatus{Replicas: replicas, FullyLabeledReplicas: replicas, ReadyReplicas: ready, AvailableReplicas: ready, ObservedGeneration: set.Generation}
	_ = c.st.put(replicaSetsGVR, set)
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: replicas, UpdatedReplicas: replicas, ReadyReplicas: ready,
		AvailableReplicas: ready, UnavailableReplicas: replicas - ready}
	avail := corev1.ConditionTrue
	if ready < replicas {
		avail = corev1.ConditionFalse
	}
	d.Status.Conditions = []appsv1.DeploymentCondition{
		{Type: appsv1.DeploymentAvailable, Status: avail, Reason: "MinimumReplicasAvailable", LastUpdateTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)},
		{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable",
			Message: fmt.Sprintf("ReplicaSet %q has successfully progressed.", rsName), LastUpdateTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)},
	}
	if avail == corev1.ConditionFalse {
		d.Status.Conditions[0].Reason = "MinimumReplicasUnavailable"
		// An image that never pulls keeps the rollout from progressing.
		if d.Annotations[FaultAnnotation] == "ImagePullBackOff" {
			d.Status.Conditions[1].Status, d.Status.Conditions[1].Reason = corev1.ConditionFalse, "ProgressDeadlineExceeded"
			d.Status.Conditions[1].Message = fmt.Sprintf("ReplicaSet %q has timed out progressing.", rsName)
		}
	}
	_ = c.st.put(deploymentsGVR, d)
}

// podsOf lists the pods a ReplicaSet controls; the caller holds mu.
func (c *Cluster) podsOf(rs *appsv1.ReplicaSet) []*corev1.Pod {
	var out []*corev1.Pod
	for _, o := range c.st.kinds[key(podsGVR)].objs {
		p := o.obj.(*corev1.Pod)
		if p.Namespace == rs.Namespace && metav1.GetControllerOf(p) != nil && metav1.GetControllerOf(p).Name == rs.Name {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// readyNodes are the nodes pods are scheduled to; the caller holds mu.
func (c *Cluster) readyNodes() []string {
	var out []string
	for _, o := range c.st.kinds[key(nodesGVR)].objs {
		n := o.obj.(*corev1.Node)
		ok := true
		for _, cd := range n.Status.Conditions {
			if cd.Type == corev1.NodeReady && cd.Status != corev1.ConditionTrue {
				ok = false
			}
		}
		if ok {
			out = append(out, n.Name)
		}
	}
	sort.Strings(out)
	return out
}

// newPod makes a pod of a ReplicaSet, Running and Ready unless faulty (the
// deployment's fault, on one of its pods); the caller holds mu.
func (c *Cluster) newPod(d *appsv1.Deployment, rs *appsv1.ReplicaSet, faulty bool, now time.Time) {
	name := rs.Name + "-" + c.suffix(5)
	nodes := c.readyNodes()
	node := ""
	if len(nodes) > 0 {
		h := sha256.Sum256([]byte(name))
		node = nodes[int(h[0])%len(nodes)]
	}
	p := &corev1.Pod{TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Namespace: rs.Namespace, Name: name, GenerateName: rs.Name + "-", UID: uid("pod", rs.Namespace, name),
			CreationTimestamp: metav1.NewTime(now), Labels: rs.Spec.Template.Labels, OwnerReferences: ctrlRef("ReplicaSet", "apps/v1", rs.Name, rs.UID)},
		Spec: *rs.Spec.Template.Spec.DeepCopy()}
	p.Spec.NodeName = node
	p.Spec.SchedulerName = "default-scheduler"
	started := metav1.NewTime(now)
	cs := corev1.ContainerStatus{Name: p.Spec.Containers[0].Name, Image: p.Spec.Containers[0].Image, Ready: true, Started: new(true),
		ImageID: "sha256:" + hex.EncodeToString([]byte(p.Spec.Containers[0].Image))[:20], ContainerID: "containerd://" + string(p.UID),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}
	phase, ready := corev1.PodRunning, corev1.ConditionTrue
	switch fault := d.Annotations[FaultAnnotation]; {
	case !faulty:
	case fault == "CrashLoopBackOff":
		cs.Ready, cs.Started, cs.RestartCount = false, new(false), 14
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: "back-off 5m0s restarting failed container=" + cs.Name + " pod=" + name}}
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: started}}
		ready = corev1.ConditionFalse
	case fault == "ImagePullBackOff":
		cs.Ready, cs.Started, cs.ContainerID, cs.ImageID = false, new(false), "", ""
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
			Message: "Back-off pulling image \"" + cs.Image + "\""}}
		phase, ready = corev1.PodPending, corev1.ConditionFalse
	case fault == "Unschedulable":
		// Asked for more than any node has: Pending, unscheduled, since
		// well before the pending alert's 5 minutes.
		p.Spec.NodeName = ""
		p.CreationTimestamp = metav1.NewTime(now.Add(-12 * time.Minute))
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSGuaranteed, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, LastTransitionTime: p.CreationTimestamp,
				Message: fmt.Sprintf("0/%d nodes are available: %d Insufficient memory.", c.o.Nodes, c.o.Nodes)}}}
		_ = c.st.put(podsGVR, p)
		return
	case fault == "OOMKilled":
		cs.RestartCount = 3
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", FinishedAt: started}}
	}
	p.Status = corev1.PodStatus{Phase: phase, QOSClass: corev1.PodQOSGuaranteed, StartTime: &started,
		HostIP: "10.0.0.10", PodIP: fmt.Sprintf("10.244.%d.%d", int(p.UID[0])%8, 2+int(p.UID[1])%250),
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: ready, LastTransitionTime: started},
			{Type: corev1.PodReady, Status: ready, LastTransitionTime: started}},
		ContainerStatuses: []corev1.ContainerStatus{cs}}
	_ = c.st.put(podsGVR, p)
}

// patchDeployment applies a merge patch; a changed pod template rolls the
// deployment after RolloutDelay (a new ReplicaSet, new pods), as the
// deployment controller would.
func (c *Cluster) patchDeployment(ns, name string, patch map[string]any) ([]byte, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, ok := c.st.get(deploymentsGVR, ns, name)
	if !ok {
		return nil, apierrors.NewNotFound(deploymentsGVR.GroupResource(), name)
	}
	old := o.obj.(*appsv1.Deployment)
	var doc map[string]any
	if err := json.Unmarshal(o.raw, &doc); err != nil {
		return nil, err
	}
	merged, _ := json.Marshal(mergePatch(doc, patch))
	var d appsv1.Deployment
	if err := json.Unmarshal(merged, &d); err != nil {
		return nil, apierrors.NewBadRequest("the patched deployment is not a deployment: " + err.Error())
	}
	d.UID, d.Name, d.Namespace, d.ResourceVersion = old.UID, old.Name, old.Namespace, old.ResourceVersion
	if !reflect.DeepEqual(old.Spec, d.Spec) {
		d.Generation = old.Generation + 1
	}
	rolls := !reflect.DeepEqual(old.Spec.Template, d.Spec.Template)
	if rolls {
		rev := 1
		_, _ = fmt.Sscan(old.Annotations["deployment.kubernetes.io/revision"], &rev)
		d.Annotations["deployment.kubernetes.io/revision"] = fmt.Sprint(rev + 1)
		d.Status.UpdatedReplicas = 0
		for i := range d.Status.Conditions {
			if d.Status.Conditions[i].Type == appsv1.DeploymentProgressing {
				d.Status.Conditions[i].Reason = "ReplicaSetUpdated"
				d.Status.Conditions[i].Message = fmt.Sprintf("ReplicaSet %q is progressing.", d.Name+"-"+templateHash(d.Spec.Template))
			}
		}
	}
	if err := c.st.put(deploymentsGVR, &d); err != nil {
		return nil, err
	}
	raw := c.st.kinds[key(deploymentsGVR)].objs[ns+"/"+name].raw
	if rolls {
		c.later(func(now time.Time) {
			if o, ok := c.st.get(deploymentsGVR, ns, name); ok {
				c.rollTo(o.obj.(*appsv1.Deployment).DeepCopy(), now)
			}
		})
	}
	return raw, nil
}

// deletePod deletes a pod; its ReplicaSet recreates one after RolloutDelay.
func (c *Cluster) deletePod(ns, name string) ([]byte, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, ok := c.st.remove(podsGVR, ns, name)
	if !ok {
		return nil, apierrors.NewNotFound(podsGVR.GroupResource(), name)
	}
	if ref := metav1.GetControllerOf(o.obj.(*corev1.Pod)); ref != nil && ref.Kind == "ReplicaSet" {
		c.later(func(now time.Time) {
			rs, ok := c.st.get(replicaSetsGVR, ns, ref.Name)
			if !ok {
				return
			}
			set := rs.obj.(*appsv1.ReplicaSet).DeepCopy()
			if dref := metav1.GetControllerOf(set); dref != nil {
				if d, ok := c.st.get(deploymentsGVR, ns, dref.Name); ok {
					c.rollTo(d.obj.(*appsv1.Deployment).DeepCopy(), now)
				}
			}
		})
	}
	return o.raw, nil
}

// later runs f under the store's lock after RolloutDelay, unless the
// cluster closes first.
func (c *Cluster) later(f func(now time.Time)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		select {
		case <-c.done:
			return
		case <-time.After(c.o.RolloutDelay):
		}
		c.st.mu.Lock()
		defer c.st.mu.Unlock()
		f(c.o.Now().UTC())
	}()
}
