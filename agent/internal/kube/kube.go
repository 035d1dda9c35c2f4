// Package kube is the agent's kubernetes module: it watches one cluster
// with client-go's shared informers (one list, then watches: a large
// cluster is not listed again every cycle), in-cluster through the pod's
// service account or from a kubeconfig (KUBECONFIG or a flag, as kubectl
// does), and turns the informers' caches into the telemetry's kubernetes
// member, with the alerts it evaluates. It is built into the agent only
// with the k8s build tag (the pulse-agent-k8s binary), so the host agent
// stays small.
package kube

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/pulsehost/pulse/core/agentwire"
)

// PendingAlertAfter is how long a pod may stay Pending before it alerts.
const PendingAlertAfter = 5 * time.Minute

// Connect builds the clients: from kubeconfig (or KUBECONFIG) when set,
// else in-cluster. It returns the cluster's display name.
func Connect(kubeconfig string) (kubernetes.Interface, dynamic.Interface, string, error) {
	var cfg *rest.Config
	name := "in-cluster"
	if kubeconfig == "" && os.Getenv("KUBECONFIG") == "" {
		c, err := rest.InClusterConfig()
		if err != nil {
			return nil, nil, "", fmt.Errorf("not in a cluster and no kubeconfig (set --kubeconfig or KUBECONFIG): %w", err)
		}
		cfg = c
	} else {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if kubeconfig != "" {
			rules.ExplicitPath = kubeconfig
		}
		cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
		c, err := cc.ClientConfig()
		if err != nil {
			return nil, nil, "", fmt.Errorf("kubeconfig: %w", err)
		}
		if raw, err := cc.RawConfig(); err == nil && raw.CurrentContext != "" {
			name = raw.CurrentContext
		}
		cfg = c
	}
	cfg.UserAgent = "pulse-agent"
	// The informers' first lists of a large cluster come in bursts.
	cfg.QPS, cfg.Burst = 20, 40
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, "", fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, "", fmt.Errorf("kubernetes dynamic client: %w", err)
	}
	return cs, dyn, name, nil
}

// Options configure a Module.
type Options struct {
	// Clientset is the typed client (nodes, pods, deployments, replicasets).
	Clientset kubernetes.Interface
	// Dynamic reads the optional APIs (Velero, CSI snapshots, metrics);
	// nil leaves them out.
	Dynamic dynamic.Interface
	// Name is the cluster's display name.
	Name string
	// CommandsEnabled declares the actions in the telemetry.
	CommandsEnabled bool
	// Now is the clock (tests).
	Now func() time.Time
}

// Module is the kubernetes module.
type Module struct {
	o     Options
	opt   *optional
	cs    kubernetes.Interface
	name  string
	now   func() time.Time
	nodes corelisters.NodeLister
	pods  corelisters.PodLister
	deps  appslisters.DeploymentLister
	rs    appslisters.ReplicaSetLister
	uid   string
}

// New starts the informers and waits for their first list (bounded by ctx;
// the informers run until ctx ends).
func New(ctx context.Context, o Options) (*Module, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	cs, name, now := o.Clientset, o.Name, o.Now
	f := informers.NewSharedInformerFactory(cs, 10*time.Minute)
	m := &Module{o: o, cs: cs, name: name, now: now,
		nodes: f.Core().V1().Nodes().Lister(), pods: f.Core().V1().Pods().Lister(),
		deps: f.Apps().V1().Deployments().Lister(), rs: f.Apps().V1().ReplicaSets().Lister()}
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return nil, fmt.Errorf("informer for %v did not sync", typ)
		}
	}
	if o.Dynamic != nil {
		m.opt = newOptional(cs.Discovery(), o.Dynamic, now)
		m.opt.discover(ctx)
	}
	return m, nil
}

// Contribute adds the cluster to a report's telemetry.
func (m *Module) Contribute(t *agentwire.Telemetry) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	t.Kubernetes = m.Collect(ctx)
}

// Collect reads the informers' caches (and, once, the cluster's UID).
func (m *Module) Collect(ctx context.Context) *agentwire.Kubernetes {
	k := &agentwire.Kubernetes{Name: m.name}
	if m.o.CommandsEnabled {
		k.Actions = Actions
	}
	if m.uid == "" {
		ns, err := m.cs.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
		if err != nil {
			k.Error = "read the kube-system namespace (the cluster's identity): " + err.Error()
		} else {
			m.uid = string(ns.UID)
		}
	}
	k.ClusterUID = m.uid
	if v, err := m.cs.Discovery().ServerVersion(); err == nil {
		k.Version = v.GitVersion
	}
	now := m.now()
	alert := func(kind, sev, target, f string, a ...any) {
		k.Alerts = append(k.Alerts, agentwire.DockerAlert{Kind: kind, Severity: sev, Target: target, Message: fmt.Sprintf(f, a...)})
	}
	nodes, _ := m.nodes.List(labels.Everything())
	for _, n := range nodes {
		kn := node(n)
		if !kn.Ready {
			alert("node-not-ready", "critical", "node:"+n.Name, "node %s is NotReady", n.Name)
		}
		k.Nodes = append(k.Nodes, kn)
	}
	deps, _ := m.deps.List(labels.Everything())
	for _, d := range deps {
		kd := deployment(d)
		target := "deployment:" + d.Namespace + "/" + d.Name
		if kd.Progressing == "ProgressDeadlineExceeded" {
			alert("rollout-stuck", "warning", target, "deployment %s/%s rollout exceeded its progress deadline", d.Namespace, d.Name)
		}
		if kd.Available < kd.Desired {
			alert("deployment-unavailable", "warning", target, "deployment %s/%s has %d of %d replicas available", d.Namespace, d.Name, kd.Available, kd.Desired)
		}
		k.Deployments = append(k.Deployments, kd)
	}
	pods, _ := m.pods.List(labels.Everything())
	for _, p := range pods {
		kp := m.pod(p)
		target := "pod:" + p.Namespace + "/" + p.Name
		for _, r := range kp.Reasons {
			switch r {
			case "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull":
				alert(kebab(r), "warning", target, "pod %s/%s: %s", p.Namespace, p.Name, r)
			case "OOMKilled":
				alert("oom-killed", "critical", target, "pod %s/%s: a container was OOM-killed", p.Namespace, p.Name)
			}
		}
		if p.Status.Phase == corev1.PodPending && now.Sub(p.CreationTimestamp.Time) > PendingAlertAfter {
			alert("pending", "warning", target, "pod %s/%s has been Pending for %s", p.Namespace, p.Name, now.Sub(p.CreationTimestamp.Time).Round(time.Second))
		}
		k.Pods = append(k.Pods, kp)
	}
	if m.opt != nil {
		m.opt.collect(ctx, k, alert)
	}
	sort.Slice(k.Nodes, func(i, j int) bool { return k.Nodes[i].Name < k.Nodes[j].Name })
	// Compared field by field: a concatenation would allocate per compare.
	slices.SortFunc(k.Pods, func(a, b agentwire.K8sPod) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(k.Deployments, func(a, b agentwire.K8sDeployment) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return k
}

func kebab(s string) string {
	switch s {
	case "CrashLoopBackOff":
		return "crash-loop"
	case "ImagePullBackOff", "ErrImagePull":
		return "image-pull"
	}
	return s
}

func node(n *corev1.Node) agentwire.K8sNode {
	kn := agentwire.K8sNode{Name: n.Name, UID: string(n.UID), KubeletVersion: n.Status.NodeInfo.KubeletVersion, Conditions: map[string]string{}}
	for _, c := range n.Status.Conditions {
		kn.Conditions[string(c.Type)] = string(c.Status)
		if c.Type == corev1.NodeReady {
			kn.Ready = c.Status == corev1.ConditionTrue
		}
	}
	kn.CPUCapacity = n.Status.Capacity.Cpu().AsApproximateFloat64()
	kn.MemCapacity = n.Status.Capacity.Memory().Value()
	kn.CPUAllocatable = n.Status.Allocatable.Cpu().AsApproximateFloat64()
	kn.MemAllocatable = n.Status.Allocatable.Memory().Value()
	for _, t := range n.Spec.Taints {
		kn.Taints = append(kn.Taints, t.Key+"="+t.Value+":"+string(t.Effect))
	}
	return kn
}

func deployment(d *appsv1.Deployment) agentwire.K8sDeployment {
	kd := agentwire.K8sDeployment{Namespace: d.Namespace, Name: d.Name, UID: string(d.UID), Desired: 1,
		Updated: d.Status.UpdatedReplicas, Ready: d.Status.ReadyReplicas, Available: d.Status.AvailableReplicas,
		Generation: d.Generation, ObservedGeneration: d.Status.ObservedGeneration, RestartedAt: d.Spec.Template.Annotations[RestartedAtAnnotation]}
	if d.Spec.Replicas != nil {
		kd.Desired = *d.Spec.Replicas
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing {
			kd.Progressing = c.Reason
		}
	}
	return kd
}

func (m *Module) pod(p *corev1.Pod) agentwire.K8sPod {
	kp := agentwire.K8sPod{Namespace: p.Namespace, Name: p.Name, UID: string(p.UID), Phase: string(p.Status.Phase), Node: p.Spec.NodeName,
		CreatedAt: p.CreationTimestamp.UTC().Format(time.RFC3339)}
	if o := metav1.GetControllerOf(p); o != nil {
		kp.Owner = o.Kind + "/" + o.Name
		if o.Kind == "ReplicaSet" {
			if rs, err := m.rs.ReplicaSets(p.Namespace).Get(o.Name); err == nil {
				if ro := metav1.GetControllerOf(rs); ro != nil && ro.Kind == "Deployment" {
					kp.Deployment = ro.Name
				}
			}
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		kp.Restarts += int(cs.RestartCount)
		if w := cs.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" && w.Reason != "PodInitializing" {
			kp.Reasons = append(kp.Reasons, w.Reason)
		}
		if t := cs.LastTerminationState.Terminated; t != nil && t.Reason == "OOMKilled" {
			kp.Reasons = append(kp.Reasons, t.Reason)
		}
	}
	cpuLimited := len(p.Spec.Containers) > 0
	for _, c := range p.Spec.Containers {
		kp.CPURequest += c.Resources.Requests.Cpu().AsApproximateFloat64()
		kp.MemLimit += c.Resources.Limits.Memory().Value()
		if l, ok := c.Resources.Limits[corev1.ResourceCPU]; ok && !l.IsZero() {
			kp.CPULimit += l.AsApproximateFloat64()
		} else {
			cpuLimited = false
		}
	}
	if !cpuLimited {
		kp.CPULimit = 0
	}
	return kp
}
