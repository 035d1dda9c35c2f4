package fakeapi

import (
	"bytes"
	"context"
	"crypto/tls"
	stdjson "encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
)

func start(t *testing.T, o Options) (*Server, kubernetes.Interface) {
	t.Helper()
	o.RolloutDelay = 50 * time.Millisecond
	s, err := Serve(New(o), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	cfg, err := clientcmd.RESTConfigFromKubeConfig(s.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, cs
}

// raw GETs a path with the token (or without, tok "").
func raw(t *testing.T, s *Server, path, tok string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestWireShape: every list the server answers decodes strictly (unknown
// or duplicate fields are errors) into the real k8s.io/api types, and the
// custom resources carry the fields of their CRDs.
func TestWireShape(t *testing.T) {
	s, _ := start(t, Options{Nodes: 3, Faults: true})
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, json.SerializerOptions{Strict: true})
	for path, into := range map[string]runtime.Object{
		"/api/v1/namespaces":                            &corev1.NamespaceList{},
		"/api/v1/nodes":                                 &corev1.NodeList{},
		"/api/v1/pods":                                  &corev1.PodList{},
		"/api/v1/namespaces/shop/pods":                  &corev1.PodList{},
		"/apis/apps/v1/deployments":                     &appsv1.DeploymentList{},
		"/apis/apps/v1/replicasets":                     &appsv1.ReplicaSetList{},
		"/api/v1/namespaces/kube-system":                &corev1.Namespace{},
		"/apis/apps/v1/namespaces/shop/deployments/web": &appsv1.Deployment{},
		"/api":    &metav1.APIVersions{},
		"/apis":   &metav1.APIGroupList{},
		"/api/v1": &metav1.APIResourceList{},
	} {
		code, body := raw(t, s, path, s.Token())
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		if _, _, err := strict.Decode(body, nil, into); err != nil {
			t.Errorf("%s does not decode strictly as %T: %v", path, into, err)
		}
	}
	var backups struct {
		Items []struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     struct {
				IncludedNamespaces []string `json:"includedNamespaces"`
				StorageLocation    string   `json:"storageLocation"`
				TTL                string   `json:"ttl"`
			} `json:"spec"`
			Status struct {
				Phase               string       `json:"phase"`
				StartTimestamp      *metav1.Time `json:"startTimestamp"`
				CompletionTimestamp *metav1.Time `json:"completionTimestamp"`
				Expiration          *metav1.Time `json:"expiration"`
				Errors              int          `json:"errors"`
				FailureReason       string       `json:"failureReason"`
			} `json:"status"`
		} `json:"items"`
	}
	_, body := raw(t, s, "/apis/velero.io/v1/backups", s.Token())
	if err := stdjson.Unmarshal(body, &backups); err != nil || len(backups.Items) < 5 {
		t.Fatalf("backups: %v %d", err, len(backups.Items))
	}
	phases := map[string]int{}
	for _, b := range backups.Items {
		phases[b.Status.Phase]++
		if b.Status.StartTimestamp == nil || b.Status.Expiration == nil || b.Spec.StorageLocation != "default" || b.Spec.TTL != "720h0m0s" {
			t.Errorf("backup %s: %+v", b.Metadata.Name, b)
		}
	}
	if phases["Failed"] != 1 || phases["PartiallyFailed"] != 1 || phases["Completed"] < 3 {
		t.Errorf("phases %v", phases)
	}
	for _, path := range []string{"/apis/snapshot.storage.k8s.io/v1/volumesnapshots", "/apis/metrics.k8s.io/v1beta1/pods", "/apis/metrics.k8s.io/v1beta1/nodes", "/apis/velero.io/v1/schedules"} {
		if code, body := raw(t, s, path, s.Token()); code != http.StatusOK || !bytes.Contains(body, []byte(`"items":[{`)) {
			t.Errorf("%s: %d %.200s", path, code, body)
		}
	}
	if code, body := raw(t, s, "/api/v1/pods", ""); code != http.StatusUnauthorized || !bytes.Contains(body, []byte(`"kind":"Status"`)) {
		t.Errorf("without a token: %d %s", code, body)
	}
}

// TestInformersSyncAndChanges: client-go's shared informers (watch-list, as
// client-go does by default) sync against the server; a rollout restart
// patch rolls the deployment to a new ReplicaSet and new pods, and a
// deleted pod is recreated; a watch from a resourceVersion sees only later
// events, and one older than the event log gets 410 Gone.
func TestInformersSyncAndChanges(t *testing.T) {
	s, cs := start(t, Options{Nodes: 2, Pods: 200})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f := informers.NewSharedInformerFactory(cs, 0)
	pods, deps := f.Core().V1().Pods().Lister(), f.Apps().V1().Deployments().Lister()
	_ = f.Core().V1().Nodes().Lister()
	_ = f.Apps().V1().ReplicaSets().Lister()
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			t.Fatalf("%v did not sync", typ)
		}
	}
	all, _ := pods.List(labels.Everything())
	if len(all) != 200 {
		t.Fatalf("%d pods, want 200", len(all))
	}
	web := func() []*corev1.Pod {
		ps, _ := pods.Pods("shop").List(labels.SelectorFromSet(labels.Set{"app.kubernetes.io/name": "web"}))
		return ps
	}
	before := web()
	d0, _ := deps.Deployments("shop").Get("web")
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":%q}}}}}`, time.Now().UTC().Format(time.RFC3339))
	d, err := cs.AppsV1().Deployments("shop").Patch(ctx, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Generation != d0.Generation+1 || d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Fatalf("patched generation %d (was %d) annotations %v", d.Generation, d0.Generation, d.Spec.Template.Annotations)
	}
	waitFor(t, "the rollout in the informers' cache", func() bool {
		d, _ := deps.Deployments("shop").Get("web")
		now := web()
		if d.Status.ObservedGeneration != d0.Generation+1 || len(now) != len(before) {
			return false
		}
		for _, p := range now {
			for _, b := range before {
				if p.Name == b.Name {
					return false
				}
			}
		}
		return d.Status.UpdatedReplicas == 3 && d.Status.AvailableReplicas == 3
	})
	victim := web()[0]
	if err := cs.CoreV1().Pods("shop").Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pod recreated", func() bool {
		now := web()
		if len(now) != 3 {
			return false
		}
		for _, p := range now {
			if p.Name == victim.Name {
				return false
			}
		}
		return true
	})
	if _, err := cs.CoreV1().Pods("shop").Get(ctx, victim.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deleted pod: %v", err)
	}
	if _, err := cs.AppsV1().Deployments("shop").Patch(ctx, "nope", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("patch of a missing deployment: %v", err)
	}

	// A watch from a resourceVersion sees only what came after it.
	list, _ := cs.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{})
	w, err := cs.CoreV1().Pods("shop").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	_ = cs.CoreV1().Pods("shop").Delete(ctx, web()[0].Name, metav1.DeleteOptions{})
	select {
	case e := <-w.ResultChan():
		if e.Type != "DELETED" {
			t.Errorf("first event after the list: %s", e.Type)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	// An expired resourceVersion: 410 Gone, as a real server answers.
	s.st.mu.Lock()
	s.st.kinds[key(podsGVR)].trimmed = s.st.rv
	s.st.mu.Unlock()
	if _, err := cs.CoreV1().Pods("shop").Watch(ctx, metav1.ListOptions{ResourceVersion: "1001"}); !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		// client-go reports the Status as the watch's first event or as an error.
		t.Logf("watch from an expired version: %v", err)
	}
	if code, body := raw(t, s, "/api/v1/pods?watch=true&resourceVersion=1001", s.Token()); code != http.StatusGone || !strings.Contains(string(body), "Expired") {
		t.Errorf("expired watch: %d %s", code, body)
	}
}

// TestAbsentAPIs: without the Velero, snapshot and metrics APIs, their
// discovery answers 404, as on a cluster without those CRDs.
func TestAbsentAPIs(t *testing.T) {
	s, cs := start(t, Options{NoVelero: true, NoSnapshots: true, NoMetrics: true})
	for _, gv := range []string{"velero.io/v1", "snapshot.storage.k8s.io/v1", "metrics.k8s.io/v1beta1"} {
		if _, err := cs.Discovery().ServerResourcesForGroupVersion(gv); !apierrors.IsNotFound(err) {
			t.Errorf("%s: %v", gv, err)
		}
	}
	if code, _ := raw(t, s, "/apis/velero.io/v1/backups", s.Token()); code != http.StatusNotFound {
		t.Errorf("backups: %d", code)
	}
	if v, err := cs.Discovery().ServerVersion(); err != nil || v.GitVersion != "v1.33.1" {
		t.Errorf("version %v %v", v, err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
