package fakeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// ServeHTTP is the API server.
func (c *Cluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	if r.Header.Get("Authorization") != "Bearer "+c.token {
		writeStatus(w, apierrors.NewUnauthorized("a bearer token is required (the kubeconfig's user token)"))
		return
	}
	p := strings.Trim(r.URL.Path, "/")
	switch {
	case p == "version":
		writeJSON(w, http.StatusOK, version.Info{Major: "1", Minor: "33", GitVersion: c.version, GitCommit: "0000000000000000000000000000000000000000",
			GitTreeState: "clean", BuildDate: "2026-11-01T00:00:00Z", GoVersion: "go1.26", Compiler: "gc", Platform: "linux/amd64"})
	case p == "api":
		writeJSON(w, http.StatusOK, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}})
	case p == "apis":
		writeJSON(w, http.StatusOK, c.groups())
	default:
		segs := strings.Split(p, "/")
		var gv schema.GroupVersion
		switch {
		case len(segs) >= 2 && segs[0] == "api":
			gv, segs = schema.GroupVersion{Version: segs[1]}, segs[2:]
		case len(segs) >= 3 && segs[0] == "apis":
			gv, segs = schema.GroupVersion{Group: segs[1], Version: segs[2]}, segs[3:]
		case len(segs) == 2 && segs[0] == "apis":
			c.group(w, segs[1])
			return
		default:
			writeStatus(w, apierrors.NewNotFound(schema.GroupResource{}, p))
			return
		}
		if len(segs) == 0 {
			c.resources(w, gv)
			return
		}
		c.object(w, r, gv, segs)
	}
}

// groups is the legacy discovery of the API groups.
func (c *Cluster) groups() metav1.APIGroupList {
	seen := map[string][]string{}
	var order []string
	for _, k := range c.kindList {
		if k.gvr.Group == "" {
			continue
		}
		if _, ok := seen[k.gvr.Group]; !ok {
			order = append(order, k.gvr.Group)
		}
		if !slices.Contains(seen[k.gvr.Group], k.gvr.Version) {
			seen[k.gvr.Group] = append(seen[k.gvr.Group], k.gvr.Version)
		}
	}
	l := metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	for _, g := range order {
		l.Groups = append(l.Groups, apiGroup(g, seen[g]))
	}
	return l
}

func apiGroup(g string, versions []string) metav1.APIGroup {
	ag := metav1.APIGroup{Name: g}
	for _, v := range versions {
		ag.Versions = append(ag.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g + "/" + v, Version: v})
	}
	ag.PreferredVersion = ag.Versions[0]
	return ag
}

func (c *Cluster) group(w http.ResponseWriter, g string) {
	for _, ag := range c.groups().Groups {
		if ag.Name == g {
			ag.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
			writeJSON(w, http.StatusOK, ag)
			return
		}
	}
	writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: g}, ""))
}

// resources is a group version's resource list (discovery).
func (c *Cluster) resources(w http.ResponseWriter, gv schema.GroupVersion) {
	l := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
	for _, k := range c.kindList {
		if k.gvr.GroupVersion() == gv {
			l.APIResources = append(l.APIResources, metav1.APIResource{Name: k.gvr.Resource, SingularName: strings.ToLower(k.kind),
				Namespaced: k.namespaced, Kind: k.kind, Verbs: k.verbs})
		}
	}
	if len(l.APIResources) == 0 {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group}, gv.Version))
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// object serves a resource path: [res], [res name], [namespaces ns res],
// [namespaces ns res name].
func (c *Cluster) object(w http.ResponseWriter, r *http.Request, gv schema.GroupVersion, segs []string) {
	ns, res, name := "", "", ""
	switch {
	case len(segs) >= 3 && segs[0] == "namespaces":
		ns, res = segs[1], segs[2]
		if len(segs) == 4 {
			name = segs[3]
		} else if len(segs) > 4 {
			writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group, Resource: res}, strings.Join(segs[3:], "/")))
			return
		}
	case len(segs) == 1:
		res = segs[0]
	case len(segs) == 2:
		res, name = segs[0], segs[1]
	default:
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group}, strings.Join(segs, "/")))
		return
	}
	gvr := gv.WithResource(res)
	info, ok := c.kind(gvr)
	if !ok {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group, Resource: res}, name))
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && name == "" && (q.Get("watch") == "true" || q.Get("watch") == "1"):
		if !info.watchable {
			writeStatus(w, apierrors.NewMethodNotSupported(gvr.GroupResource(), "watch"))
			return
		}
		c.watch(w, r, info, ns)
	case r.Method == http.MethodGet && name == "":
		c.list(w, info, ns)
	case r.Method == http.MethodGet:
		c.get(w, info, ns, name)
	case r.Method == http.MethodPatch && name != "":
		c.patch(w, r, info, ns, name)
	case r.Method == http.MethodDelete && name != "":
		c.delete(w, info, ns, name)
	default:
		writeStatus(w, apierrors.NewMethodNotSupported(gvr.GroupResource(), strings.ToLower(r.Method)))
	}
}

func (c *Cluster) kind(gvr schema.GroupVersionResource) (kindInfo, bool) {
	for _, k := range c.kindList {
		if k.gvr == gvr {
			return k, true
		}
	}
	return kindInfo{}, false
}

// list answers a list: the items' stored encodings, in name order, with
// the store's resourceVersion.
func (c *Cluster) list(w http.ResponseWriter, info kindInfo, ns string) {
	if !info.watchable {
		c.metricsList(w, info, ns)
		return
	}
	c.st.mu.Lock()
	ks := c.st.kinds[key(info.gvr)]
	objs := make([]*object, 0, len(ks.objs))
	for _, o := range ks.objs {
		if ns == "" || o.ns == ns {
			objs = append(objs, o)
		}
	}
	rv := c.st.rv
	sort.Slice(objs, func(i, j int) bool { return objs[i].ns+"/"+objs[i].name < objs[j].ns+"/"+objs[j].name })
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"kind":%q,"apiVersion":%q,"metadata":{"resourceVersion":"%d"},"items":[`, info.kind+"List", info.gvr.GroupVersion().String(), rv)
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(o.raw)
	}
	c.st.mu.Unlock()
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b.Bytes())
}

func (c *Cluster) get(w http.ResponseWriter, info kindInfo, ns, name string) {
	if !info.watchable {
		c.metricsGet(w, info, ns, name)
		return
	}
	c.st.mu.Lock()
	o, ok := c.st.get(info.gvr, ns, name)
	c.st.mu.Unlock()
	if !ok {
		writeStatus(w, apierrors.NewNotFound(info.gvr.GroupResource(), name))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(o.raw)
}

// watch streams events as newline-separated WatchEvent JSON: the initial
// state (a watch-list with sendInitialEvents, or resourceVersion "" / "0")
// ending in a bookmark, or the events after a resourceVersion (410 Gone
// when it is older than the event log), then changes as they happen.
func (c *Cluster) watch(w http.ResponseWriter, r *http.Request, info kindInfo, ns string) {
	q := r.URL.Query()
	fl, _ := w.(http.Flusher)
	timeout := 30 * time.Minute
	if s, err := strconv.Atoi(q.Get("timeoutSeconds")); err == nil && s > 0 {
		timeout = time.Duration(s) * time.Second
	}
	initial := q.Get("sendInitialEvents") == "true"
	rvq := q.Get("resourceVersion")
	wa := &watcher{ns: ns, ch: make(chan event, 4096)}
	var backlog []event
	c.st.mu.Lock()
	ks := c.st.kinds[key(info.gvr)]
	switch {
	case initial || rvq == "" || rvq == "0":
		objs := make([]*object, 0, len(ks.objs))
		for _, o := range ks.objs {
			if ns == "" || o.ns == ns {
				objs = append(objs, o)
			}
		}
		sort.Slice(objs, func(i, j int) bool { return objs[i].rv < objs[j].rv })
		for _, o := range objs {
			backlog = append(backlog, event{typ: "ADDED", raw: o.raw, rv: o.rv})
		}
		if initial {
			backlog = append(backlog, initialEventsEnd(info, c.st.rv))
		}
	default:
		from, err := strconv.ParseInt(rvq, 10, 64)
		if err != nil {
			c.st.mu.Unlock()
			writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("resourceVersion %q is not a resource version", rvq)))
			return
		}
		if from < ks.trimmed {
			c.st.mu.Unlock()
			writeStatus(w, apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", from, ks.trimmed)))
			return
		}
		for _, e := range ks.events {
			if e.rv > from && (ns == "" || e.ns == ns) {
				backlog = append(backlog, e)
			}
		}
	}
	ks.watchers[wa] = struct{}{}
	c.st.mu.Unlock()
	defer func() {
		c.st.mu.Lock()
		if _, ok := ks.watchers[wa]; ok {
			delete(ks.watchers, wa)
		}
		c.st.mu.Unlock()
	}()
	c.watches.Add(1)
	defer c.watches.Add(-1)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	send := func(e event) bool {
		if _, err := fmt.Fprintf(w, `{"type":%q,"object":%s}`+"\n", e.typ, e.raw); err != nil {
			return false
		}
		return true
	}
	for _, e := range backlog {
		if !send(e) {
			return
		}
	}
	if fl != nil {
		fl.Flush()
	}
	end := time.NewTimer(timeout)
	defer end.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.done:
			return
		case <-end.C:
			return
		case e, ok := <-wa.ch:
			if !ok || !send(e) {
				return
			}
			if fl != nil && len(wa.ch) == 0 {
				fl.Flush()
			}
		}
	}
}

// patch applies a merge patch (application/merge-patch+json, or a
// strategic merge patch of maps, which is the same for the fields it
// touches) to a deployment; a changed pod template rolls the deployment.
func (c *Cluster) patch(w http.ResponseWriter, r *http.Request, info kindInfo, ns, name string) {
	ct := r.Header.Get("Content-Type")
	if ct != "application/strategic-merge-patch+json" && ct != "application/merge-patch+json" {
		writeStatus(w, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
			Reason: metav1.StatusReasonUnsupportedMediaType, Message: fmt.Sprintf("the fake API server accepts merge and strategic merge patches, not %q", ct)}})
		return
	}
	if info.gvr != deploymentsGVR {
		writeStatus(w, apierrors.NewMethodNotSupported(info.gvr.GroupResource(), "patch"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var patch map[string]any
	if err == nil {
		err = json.Unmarshal(body, &patch)
	}
	if err != nil {
		writeStatus(w, apierrors.NewBadRequest("the patch is not a JSON object: "+fmt.Sprint(err)))
		return
	}
	raw, err := c.patchDeployment(ns, name, patch)
	if err != nil {
		writeStatus(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(raw)
}

func (c *Cluster) delete(w http.ResponseWriter, info kindInfo, ns, name string) {
	if info.gvr != podsGVR {
		writeStatus(w, apierrors.NewMethodNotSupported(info.gvr.GroupResource(), "delete"))
		return
	}
	raw, err := c.deletePod(ns, name)
	if err != nil {
		writeStatus(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(raw)
}

// mergePatch applies an RFC 7386 merge patch to doc.
func mergePatch(doc, patch map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(doc, k)
		case map[string]any:
			sub, _ := doc[k].(map[string]any)
			doc[k] = mergePatch(sub, pv)
		default:
			doc[k] = v
		}
	}
	return doc
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeStatus answers an error as the API server does: a metav1.Status.
func writeStatus(w http.ResponseWriter, err error) {
	se, ok := err.(apierrors.APIStatus)
	if !ok {
		se = apierrors.NewInternalError(err)
	}
	st := se.Status()
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	writeJSON(w, int(st.Code), st)
}
