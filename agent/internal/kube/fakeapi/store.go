// Package fakeapi is a fake Kubernetes API server for tests and the lab: a
// real HTTPS server with bearer-token authentication that serves
// discovery, the version, list and watch (with resourceVersion, watch
// bookmarks and the streaming watch-list client-go uses) for namespaces,
// nodes, pods, deployments and replicasets serialized with the real
// k8s.io/api types, Velero Backups/Schedules and CSI VolumeSnapshots as
// custom resources, and metrics.k8s.io. It accepts a deployment PATCH (a
// rollout restart rolls: a new ReplicaSet and new pods replace the old)
// and a pod DELETE (the pod's ReplicaSet recreates it). It writes a
// kubeconfig for clients.
package fakeapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// kindInfo describes one served resource.
type kindInfo struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	verbs      []string
	// watchable: metrics.k8s.io is list-only.
	watchable bool
}

// object is one stored object with its encoded form.
type object struct {
	obj  runtime.Object
	raw  []byte
	rv   int64
	ns   string
	name string
}

// event is one change, kept for watches that resume from a resourceVersion.
type event struct {
	typ string
	raw []byte
	rv  int64
	ns  string
}

// watcher is one open watch.
type watcher struct {
	ns string
	ch chan event
}

// kindStore holds one resource's objects, recent events and watchers.
type kindStore struct {
	info     kindInfo
	objs     map[string]*object // ns/name
	events   []event
	watchers map[*watcher]struct{}
	// trimmed is the resourceVersion before which events were dropped.
	trimmed int64
}

// maxEvents bounds each resource's event log; a watch from an older
// resourceVersion gets 410 Gone (Expired), as from a real API server.
const maxEvents = 20000

// store holds every resource, under one resourceVersion counter.
type store struct {
	mu    sync.Mutex
	rv    int64
	kinds map[string]*kindStore // by group/resource
}

func newStore(kinds []kindInfo) *store {
	s := &store{rv: 1000, kinds: map[string]*kindStore{}}
	for _, k := range kinds {
		s.kinds[key(k.gvr)] = &kindStore{info: k, objs: map[string]*object{}, watchers: map[*watcher]struct{}{}}
	}
	return s
}

func key(gvr schema.GroupVersionResource) string { return gvr.Group + "/" + gvr.Resource }

// put creates or replaces an object (ADDED or MODIFIED); the caller holds mu.
func (s *store) put(gvr schema.GroupVersionResource, o runtime.Object) error {
	ks := s.kinds[key(gvr)]
	m, err := meta.Accessor(o)
	if err != nil {
		return err
	}
	s.rv++
	m.SetResourceVersion(strconv.FormatInt(s.rv, 10))
	raw, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", gvr.Resource, m.GetName(), err)
	}
	k := m.GetNamespace() + "/" + m.GetName()
	typ := "ADDED"
	if _, ok := ks.objs[k]; ok {
		typ = "MODIFIED"
	}
	ks.objs[k] = &object{obj: o, raw: raw, rv: s.rv, ns: m.GetNamespace(), name: m.GetName()}
	s.emit(ks, event{typ: typ, raw: raw, rv: s.rv}, m.GetNamespace())
	return nil
}

// remove deletes an object (DELETED); the caller holds mu.
func (s *store) remove(gvr schema.GroupVersionResource, ns, name string) (*object, bool) {
	ks := s.kinds[key(gvr)]
	o, ok := ks.objs[ns+"/"+name]
	if !ok {
		return nil, false
	}
	delete(ks.objs, ns+"/"+name)
	s.rv++
	m, _ := meta.Accessor(o.obj)
	m.SetResourceVersion(strconv.FormatInt(s.rv, 10))
	raw, _ := json.Marshal(o.obj)
	s.emit(ks, event{typ: "DELETED", raw: raw, rv: s.rv}, ns)
	return o, true
}

func (s *store) emit(ks *kindStore, e event, ns string) {
	ks.events = append(ks.events, e)
	e.ns = ns
	if len(ks.events) > maxEvents {
		ks.events = append(ks.events[:0:0], ks.events[len(ks.events)-maxEvents/2:]...)
		ks.trimmed = ks.events[0].rv - 1
	}
	for w := range ks.watchers {
		if w.ns != "" && w.ns != ns {
			continue
		}
		select {
		case w.ch <- e:
		default:
			// A watcher that cannot keep up is closed; its client
			// resumes from its last resourceVersion.
			delete(ks.watchers, w)
			close(w.ch)
		}
	}
}

// get returns a stored object; the caller holds mu.
func (s *store) get(gvr schema.GroupVersionResource, ns, name string) (*object, bool) {
	o, ok := s.kinds[key(gvr)].objs[ns+"/"+name]
	return o, ok
}

// initialEventsEnd is the bookmark that ends a watch-list's initial events.
func initialEventsEnd(info kindInfo, rv int64) event {
	u := map[string]any{"apiVersion": info.gvr.GroupVersion().String(), "kind": info.kind,
		"metadata": map[string]any{"resourceVersion": strconv.FormatInt(rv, 10), "annotations": map[string]string{metav1.InitialEventsAnnotationKey: "true"}}}
	raw, _ := json.Marshal(u)
	return event{typ: "BOOKMARK", raw: raw, rv: rv}
}
