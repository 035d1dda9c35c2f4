package fakepve_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/apischema"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
)

func loadDoc(t *testing.T) *apischema.Doc {
	t.Helper()
	d, err := apischema.Open("pve")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// validator checks every response a fake serves against the API schema.
type validator struct {
	t    *testing.T
	doc  *apischema.Doc
	mu   sync.Mutex
	seen map[string]int
}

func (v *validator) check(r fakepve.Response) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seen[r.Method+" "+r.Template]++
	if r.Status != http.StatusOK {
		return
	}
	schema, ok := v.doc.Returns(r.Method, r.Template)
	if !ok {
		v.t.Errorf("%s %s: no returns schema in pve-apidoc.json", r.Method, r.Template)
		return
	}
	for _, err := range apischema.ValidateBody(schema, r.Body, apischema.Options{Undeclared: fakepve.Undeclared(r.Template)}) {
		v.t.Errorf("%s %s: %v", r.Method, r.Path, err)
	}
}

func client(t *testing.T, f *fakepve.Fake) *http.Client {
	t.Helper()
	cert, err := f.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(fakepve.CertPEM(cert))
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func get(t *testing.T, hc *http.Client, base, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api2/json"+path, nil)
	req.Header.Set("Authorization", "PVEAPIToken="+fakepve.DefaultTokenID+"="+fakepve.DefaultTokenSecret)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// unhealthy returns a cluster exercising every optional shape: an offline
// node, a failing disk, Ceph warnings, an inactive and a disabled storage,
// failed and running tasks, HA errors, locks, protected backups.
func unhealthy() *fakepve.Cluster {
	c := fakepve.Generate(fakepve.Spec{Nodes: 3, Guests: 40, Ceph: true})
	c.Nodes[2].Online = false
	c.Nodes[0].Disks[0].Health, c.Nodes[0].Disks[0].Wearout = "FAILED", -1
	c.Ceph.Health, c.Ceph.Checks = "HEALTH_WARN", map[string]string{"OSD_DOWN": "1 osds down"}
	c.Storages[0].Inactive = []string{"pve01"}
	c.Storages = append(c.Storages, &fakepve.Storage{Name: "old-nfs", Type: "nfs", Content: "backup", Shared: true, Enabled: false})
	c.Guests[1].Lock, c.Guests[2].HAState = "backup", "error"
	c.Storage("backup-nfs").Backups[0].Protected = true
	c.Storages[0].Backups = []*fakepve.Backup{{VMID: 101, GuestType: "qemu", Node: "pve02", Time: time.Unix(1767000000, 0), Size: 1 << 30}}
	c.Tasks = append(c.Tasks,
		&fakepve.Task{Node: "pve01", Type: "vzdump", ID: "105", User: "root@pam", Status: "job errors", PID: 77, Start: time.Unix(1767000000, 0), End: time.Unix(1767000600, 0)},
		&fakepve.Task{Node: "pve02", Type: "qmigrate", ID: "110", User: "root@pam", PID: 78, Start: time.Unix(1767000700, 0)})
	return c
}

func TestEveryTemplateIsDocumented(t *testing.T) {
	doc := loadDoc(t)
	f := fakepve.New(fakepve.Generate(fakepve.Spec{Nodes: 1}), fakepve.Options{})
	for _, mt := range f.Templates() {
		method, tpl, _ := strings.Cut(mt, " ")
		if !doc.Has(method, tpl) {
			t.Errorf("%s is not in the pve-apidoc.json extract; add it to plugins/proxmox-pve/testdata/apischema/endpoints.txt and run make schemas", mt)
		}
	}
}

func TestEveryResponseMatchesTheSchema(t *testing.T) {
	doc := loadDoc(t)
	clusters := map[string]*fakepve.Cluster{
		"healthy-ceph": fakepve.Generate(fakepve.Spec{Nodes: 3, Guests: 40, Ceph: true}),
		"no-ceph":      fakepve.Generate(fakepve.Spec{Nodes: 2, Guests: 12}),
		"standalone": func() *fakepve.Cluster {
			c := fakepve.Generate(fakepve.Spec{Nodes: 1, Guests: 5})
			c.Name = ""
			return c
		}(),
		"unhealthy": unhealthy(),
	}
	for name, c := range clusters {
		t.Run(name, func(t *testing.T) {
			f := fakepve.New(c, fakepve.Options{Lively: true})
			v := &validator{t: t, doc: doc, seen: map[string]int{}}
			f.OnResponse(v.check)
			m, err := f.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			hc := client(t, f)
			snap := f.Snapshot()
			for _, p := range f.Paths() {
				status, body := get(t, hc, m.URL(), p[1])
				if status != http.StatusOK && !expectedFailure(snap, p[1]) {
					t.Errorf("GET %s: %d %s", p[1], status, body)
				}
			}
			// The ticket login is served too.
			res, err := hc.PostForm(m.URL()+"/api2/json/access/ticket", url.Values{"username": {fakepve.DefaultUsername}, "password": {fakepve.DefaultPassword}})
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("login: %v %v", res, err)
			}
			res.Body.Close()
			for _, mt := range f.Templates() {
				if v.seen[mt] == 0 {
					t.Errorf("%s was never exercised", mt)
				}
			}
		})
	}
}

// expectedFailure says which paths legitimately fail in a cluster: members
// that are offline, Ceph paths without Ceph, storages that are not online.
func expectedFailure(c *fakepve.Cluster, path string) bool {
	for _, n := range c.Nodes {
		if !n.Online && strings.HasPrefix(path, "/nodes/"+n.Name+"/") {
			return true
		}
	}
	if c.Ceph == nil && strings.Contains(path, "ceph") {
		return true
	}
	for _, s := range c.Storages {
		for _, n := range c.Nodes {
			if strings.HasPrefix(path, fmt.Sprintf("/nodes/%s/storage/%s/", n.Name, s.Name)) && !s.ActiveOn(n.Name) {
				return true
			}
		}
	}
	return false
}

func TestAuthAndPrivileges(t *testing.T) {
	f := fakepve.New(fakepve.Generate(fakepve.Spec{Nodes: 1, Guests: 2}), fakepve.Options{Privileges: []string{"VM.Audit"}})
	m, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hc := client(t, f)
	if st, body := get(t, hc, m.URL(), "/cluster/status"); st != http.StatusForbidden || !strings.Contains(body, "Sys.Audit") {
		t.Errorf("cluster/status without Sys.Audit = %d %s", st, body)
	}
	res, err := hc.Get(m.URL() + "/api2/json/version")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated version = %d", res.StatusCode)
	}
}
