package fakepmg_test

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/apischema"
	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pmg/fakepmg"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func loadDoc(t *testing.T) *apischema.Doc {
	t.Helper()
	d, err := apischema.Open("pmg")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEveryTemplateIsDocumented(t *testing.T) {
	doc := loadDoc(t)
	f := fakepmg.New(fakepmg.Generate(1, epoch), fakeapi.Options{})
	for _, mt := range f.Templates() {
		method, tpl, _ := strings.Cut(mt, " ")
		if !doc.Has(method, tpl) {
			t.Errorf("%s is not in the pmg-apidoc.json extract; add it to plugins/proxmox-pmg/testdata/apischema/endpoints.txt and run make schemas", mt)
		}
	}
}

func TestEveryResponseMatchesTheSchema(t *testing.T) {
	doc := loadDoc(t)
	models := map[string]*fakepmg.Cluster{
		"lab":        fakepmg.Lab(epoch),
		"standalone": fakepmg.Generate(1, epoch),
		"node-offline": func() *fakepmg.Cluster {
			c := fakepmg.Generate(3, epoch)
			c.Nodes[2].Online = false
			c.Nodes[1].InSync = false
			return c
		}(),
	}
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			f := fakepmg.New(m, fakeapi.Options{})
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
			res, err := hc.PostForm(base+"/api2/json/access/ticket", url.Values{"username": {fakepmg.DefaultUsername}, "password": {fakepmg.DefaultPassword}})
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("login: %v %v", res, err)
			}
			var login struct {
				Data struct {
					Ticket string `json:"ticket"`
				} `json:"data"`
			}
			_ = json.NewDecoder(res.Body).Decode(&login)
			res.Body.Close()
			ticket := login.Data.Ticket
			for _, p := range f.Paths() {
				req, _ := http.NewRequest(http.MethodGet, base+"/api2/json"+p[1], nil)
				req.AddCookie(&http.Cookie{Name: "PMGAuthCookie", Value: ticket})
				res, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %d %s", p[1], res.StatusCode, b)
				}
			}
			for _, mt := range f.Templates() {
				if seen[mt] == 0 {
					t.Errorf("%s was never exercised", mt)
				}
			}
		})
	}
}
