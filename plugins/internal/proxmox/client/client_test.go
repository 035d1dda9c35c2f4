package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/client"
)

// TestAuthSchemes: each product's header or cookie reaches the server.
func TestAuthSchemes(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    client.Options
		want func(r *http.Request) bool
	}{
		{"pve token", client.Options{Product: "PVE", Token: client.PVEToken("u@pve!m", "s")},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "PVEAPIToken=u@pve!m=s" }},
		{"pbs token", client.Options{Product: "PBS", Token: client.PBSToken("u@pbs!m", "s")},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "PBSAPIToken=u@pbs!m:s" }},
		{"pmg ticket", client.Options{Product: "PMG", Username: "root@pam", Password: "pw"},
			func(r *http.Request) bool {
				c, err := r.Cookie("PMGAuthCookie")
				return err == nil && c.Value == "T1" && r.Header.Get("CSRFPreventionToken") == "C1"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api2/json/access/ticket" {
					_ = r.ParseForm()
					if r.PostForm.Get("password") != "pw" {
						w.WriteHeader(401)
						return
					}
					_, _ = w.Write([]byte(`{"data":{"ticket":"T1","CSRFPreventionToken":"C1","username":"root@pam"}}`))
					return
				}
				if !tc.want(r) {
					w.WriteHeader(401)
					return
				}
				_, _ = w.Write([]byte(`{"data":{"version":"4.1"}}`))
			}))
			defer srv.Close()
			tc.o.Endpoints = []string{srv.URL}
			c := client.New(tc.o)
			var v struct{ Version string }
			if err := c.Get(context.Background(), "/version", &v); err != nil || v.Version != "4.1" {
				t.Fatalf("get = %v %+v", err, v)
			}
		})
	}
}

// TestErrors: status codes map to the sentinel errors; a body without the
// envelope or cut short is malformed, not a down endpoint.
func TestErrors(t *testing.T) {
	var body atomic.Value
	var status atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	c := client.New(client.Options{Endpoints: []string{srv.URL}, Token: "x", Timeout: time.Second})
	for _, tc := range []struct {
		status int
		body   string
		want   error
	}{
		{401, `{"data":null}`, client.ErrUnauthorized},
		{403, `{"data":null,"message":"permission check failed (/datastore/a, Datastore.Audit)"}`, client.ErrForbidden},
		{595, `{"data":null}`, client.ErrNodeUnreachable},
		{200, `{"data":[1,2`, client.ErrMalformed},
		{200, `{"errors":"x"}`, client.ErrMalformed},
		{200, `{"data":"not a list"}`, client.ErrMalformed},
	} {
		status.Store(int64(tc.status))
		body.Store(tc.body)
		var v []int
		err := c.Get(context.Background(), "/x", &v)
		if !errors.Is(err, tc.want) {
			t.Errorf("%d %s: error %v, want %v", tc.status, tc.body, err, tc.want)
		}
		if tc.status == 403 {
			if ae, _ := client.AsAPIError(err); ae == nil || ae.Privilege() != "Datastore.Audit" {
				t.Errorf("privilege of %v", err)
			}
		}
	}
}

// TestFailoverRemembers: a dead first endpoint is skipped, and the next
// request goes straight to the one that answered.
func TestFailoverRemembers(t *testing.T) {
	var hits atomic.Int64
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer good.Close()
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	deadURL := dead.URL
	dead.Close()
	c := client.New(client.Options{Endpoints: []string{deadURL, good.URL}, Token: "x", Timeout: time.Second})
	for range 3 {
		var v map[string]any
		if err := c.Get(context.Background(), "/version", &v); err != nil {
			t.Fatal(err)
		}
	}
	if c.Requests() != 4 || hits.Load() != 3 {
		t.Errorf("requests %d, hits %d: want 4 (one to the dead endpoint) and 3", c.Requests(), hits.Load())
	}
	if !strings.Contains(c.Identity(), "API token") {
		t.Error(c.Identity())
	}
}
