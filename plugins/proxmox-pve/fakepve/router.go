package fakepve

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiPrefix is where PVE serves its JSON API.
const apiPrefix = "/api2/json"

// apiError is an error answer: HTTP status and PVE's message.
type apiError struct {
	status int
	msg    string
}

func denied(path, priv string) *apiError {
	return &apiError{http.StatusForbidden, "Permission check failed (" + path + ", " + priv + ")"}
}

// request is what a handler sees.
type request struct {
	params map[string]string
	query  url.Values
	form   map[string]string
	user   string
}

type handler func(f *Fake, c *Cluster, rq *request) (any, *apiError)

type route struct {
	method, template string
	segs             []string
	h                handler
}

type router struct {
	f      *Fake
	routes []route
}

// Templates lists every path template the fake serves, as "METHOD /path".
func (f *Fake) Templates() []string {
	var out []string
	for _, r := range f.router.routes {
		out = append(out, r.method+" "+r.template)
	}
	return out
}

func (rt *router) add(method, template string, h handler) {
	rt.routes = append(rt.routes, route{method, template, strings.Split(strings.Trim(template, "/"), "/"), h})
}

func (rt *router) match(method, path string) (*route, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	pathKnown := false
	for i := range rt.routes {
		r := &rt.routes[i]
		if len(r.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, s := range r.segs {
			if strings.HasPrefix(s, "{") {
				params[s[1:len(s)-1]] = segs[j]
			} else if s != segs[j] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathKnown = true
		if r.method == method {
			return r, params, true
		}
	}
	return nil, nil, pathKnown
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := rt.f
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	rte, params, known := rt.match(r.Method, path)
	if rte == nil {
		status := http.StatusNotImplemented
		if known {
			status = http.StatusMethodNotAllowed
		}
		f.write(w, Response{Method: r.Method, Path: path}, nil, &apiError{status, "Method '" + r.Method + " " + path + "' not implemented"})
		return
	}
	resp := Response{Method: r.Method, Template: rte.template, Path: path}

	f.mu.Lock()
	f.total++
	f.counts[rte.template]++
	f.seq++
	ft, hasFault := f.faults[rte.template]
	if !hasFault {
		ft, hasFault = f.faults[""]
	}
	f.mu.Unlock()

	if hasFault && ft.Delay > 0 {
		t := time.NewTimer(ft.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if hasFault && ft.Status != 0 {
		f.write(w, resp, nil, &apiError{ft.Status, ft.Message})
		return
	}
	rq := &request{params: params, query: r.URL.Query()}
	if r.Method == http.MethodPost {
		rq.form = readForm(r)
	}
	if !(r.Method == http.MethodPost && rte.template == "/access/ticket") {
		user, aerr := f.authenticate(r)
		if aerr != nil {
			f.write(w, resp, nil, aerr)
			return
		}
		rq.user = user
	}
	f.mu.Lock()
	data, aerr := rte.h(f, f.cluster, rq)
	var body []byte
	if aerr == nil {
		var err error
		body, err = json.Marshal(struct {
			Data any `json:"data"`
		}{data})
		if err != nil {
			aerr = &apiError{http.StatusInternalServerError, "encode: " + err.Error()}
		}
	}
	f.mu.Unlock()
	if aerr != nil {
		f.write(w, resp, nil, aerr)
		return
	}
	if hasFault {
		switch {
		case ft.Body != "":
			body, resp.Faulted = []byte(ft.Body), true
		case ft.Truncate:
			body, resp.Faulted = body[:len(body)/2], true
		}
	}
	f.write(w, resp, body, nil)
}

// write sends a body or an error the way pveproxy does: errors carry the
// message in the status line and a {"data":null} body (plus "message" here,
// since Go cannot set a custom reason phrase).
func (f *Fake) write(w http.ResponseWriter, resp Response, body []byte, aerr *apiError) {
	resp.Status = http.StatusOK
	if aerr != nil {
		resp.Status = aerr.status
		b, _ := json.Marshal(map[string]any{"data": nil, "message": aerr.msg})
		body = b
	}
	resp.Body = body
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", itoa(len(body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(body)
	f.mu.Lock()
	hooks := append([]func(Response){}, f.hooks...)
	f.mu.Unlock()
	for _, h := range hooks {
		h(resp)
	}
}

func readForm(r *http.Request) map[string]string {
	out := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&m) == nil {
			for k, v := range m {
				if s, ok := v.(string); ok {
					out[k] = s
				}
			}
		}
		return out
	}
	if err := r.ParseForm(); err == nil {
		for k := range r.PostForm {
			out[k] = r.PostForm.Get(k)
		}
	}
	return out
}
