package fakepbs_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/apischema"
	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/fakepbs"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func loadDoc(t *testing.T) *apischema.Doc {
	t.Helper()
	d, err := apischema.Open("pbs")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEveryTemplateIsDocumented(t *testing.T) {
	doc := loadDoc(t)
	f := fakepbs.New(fakepbs.Generate(fakepbs.Spec{Datastores: 1}), fakeapi.Options{})
	for _, mt := range f.Templates() {
		method, tpl, _ := strings.Cut(mt, " ")
		if !doc.Has(method, tpl) {
			t.Errorf("%s is not in the pbs-apidoc.json extract; add it to plugins/proxmox-pbs/testdata/apischema/endpoints.txt and run make schemas", mt)
		}
	}
}

func TestEveryResponseMatchesTheSchema(t *testing.T) {
	doc := loadDoc(t)
	models := map[string]*fakepbs.Server{
		"lab":   fakepbs.Lab(epoch),
		"small": fakepbs.Generate(fakepbs.Spec{Datastores: 1, Groups: 1, Snapshots: 1}),
		"old-release": func() *fakepbs.Server {
			s := fakepbs.Generate(fakepbs.Spec{Datastores: 2, Namespaces: 1, Groups: 2, Snapshots: 2})
			s.InstanceID, s.Subscription, s.Version = "", "notfound", "3.4"
			s.Datastores[1].MountStatus = "notmounted"
			return s
		}(),
	}
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			f := fakepbs.New(m, fakeapi.Options{})
			var mu sync.Mutex
			seen := map[string]int{}
			f.OnResponse(func(r fakeapi.Response) {
				mu.Lock()
				seen[r.Method+" "+r.Template]++
				mu.Unlock()
				if r.Status != http.StatusOK {
					return
				}
				schema, ok := doc.Returns(r.Method, r.Template)
				if !ok {
					t.Errorf("%s %s: no returns schema", r.Method, r.Template)
					return
				}
				for _, err := range apischema.ValidateBody(schema, r.Body, apischema.Options{}) {
					t.Errorf("%s %s: %v", r.Method, r.Path, err)
				}
			})
			base, err := f.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
			for _, p := range f.Paths() {
				req, _ := http.NewRequest(http.MethodGet, base+"/api2/json"+p[1], nil)
				req.Header.Set("Authorization", "PBSAPIToken="+fakepbs.DefaultTokenID+":"+fakepbs.DefaultTokenSecret)
				res, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK && !(m.InstanceID == "" && strings.HasSuffix(p[1], "/identity")) {
					t.Errorf("GET %s: %d %s", p[1], res.StatusCode, b)
				}
			}
			res, err := hc.PostForm(base+"/api2/json/access/ticket", url.Values{"username": {fakepbs.DefaultUsername}, "password": {fakepbs.DefaultPassword}})
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("login: %v %v", res, err)
			}
			res.Body.Close()
			for _, mt := range f.Templates() {
				if seen[mt] == 0 {
					t.Errorf("%s was never exercised", mt)
				}
			}
		})
	}
}
