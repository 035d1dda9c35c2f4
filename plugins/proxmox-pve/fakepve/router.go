package fakepve

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
)

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
	user   string
}

type handler func(f *Fake, c *Cluster, rq *request) (any, *apiError)

// handle registers h on the shared server; it runs under the server's lock
// with the cluster, and counts the request for Lively variation.
func (f *Fake) handle(method, template string, h handler) {
	f.srv.Handle(method, template, func(r *fakeapi.Request) (any, *fakeapi.Error) {
		f.seq++
		data, aerr := h(f, f.cluster, &request{params: r.Params, query: r.Query, user: r.User})
		if aerr != nil {
			return nil, &fakeapi.Error{Status: aerr.status, Msg: aerr.msg}
		}
		return data, nil
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// has reports whether the caller holds any of privs on "/".
func (f *Fake) has(privs ...string) bool {
	for _, p := range privs {
		for _, g := range f.opts.Privileges {
			if g == p {
				return true
			}
		}
	}
	return false
}
