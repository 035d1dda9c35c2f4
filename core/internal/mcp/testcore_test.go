package mcp_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"github.com/pulsehost/pulse/core/internal/alerting"
	"github.com/pulsehost/pulse/core/internal/config"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/api"
	"github.com/pulsehost/pulse/core/internal/daemon"
	"github.com/pulsehost/pulse/core/internal/governance"
	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/vsphere"
)

// testCore is a core whose store holds records from real plugins behind the
// real gRPC boundary, validated by ingest as the plugin host validates them,
// served by the real API handler with /mcp beside it.
type testCore struct {
	store *store.Store
	host  *fakeHost
	srv   *httptest.Server
}

// fakeHost stands in for the plugin host's status: the connections and the
// plugins (with their declared actions) the API reports.
type fakeHost struct {
	mu      sync.Mutex
	conns   []pluginhost.ConnStatus
	plugins []pluginhost.PluginStatus
}

func (h *fakeHost) Connections() []pluginhost.ConnStatus { return h.conns }

func (h *fakeHost) Plugins() []pluginhost.PluginStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.plugins)
}

// addPlugin reports one more running plugin.
func (h *fakeHost) addPlugin(p pluginhost.PluginStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.plugins = append(h.plugins, p)
}

// collect polls conn through client, validates the records with the
// platform's governed rule and applies them to st.
func collect(t *testing.T, st *store.Store, client *sdk.Client, platformID, conn string) {
	t.Helper()
	ctx := context.Background()
	info, err := client.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, probs := governance.Check(info.Declaration)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	now := time.Now()
	asm := ingest.NewAssembler(ingest.NewRule(p, info.Declaration), now)
	if err := client.Collect(ctx, conn, asm.Add); err != nil {
		t.Fatal(err)
	}
	snap, rej := asm.Snapshot()
	if len(rej) > 0 {
		t.Fatalf("%s records rejected: %v", platformID, rej)
	}
	if _, err := st.ApplySnapshot(ctx, resource.SourceRef{Platform: platformID, Connection: conn}, snap, now); err != nil {
		t.Fatal(err)
	}
}

// pollPVE collects a fake PVE cluster (3 nodes, pve03 offline, so there is an
// alert) through the real proxmox-pve adapter.
func pollPVE(t *testing.T, st *store.Store) {
	t.Helper()
	c := fakepve.Generate(fakepve.Spec{Nodes: 3, Guests: 20})
	c.Nodes[2].Online = false
	f := fakepve.New(c, fakepve.Options{})
	m, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	cert, err := f.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(cert.Certificate[0])
	client := sdktest.New(t, pve.New(hclog.NewNullLogger()))
	sdktest.Configure(t, client, "cluster", map[string]any{
		"endpoints": []string{m.URL()}, "token_id": fakepve.DefaultTokenID, "token_secret": fakepve.DefaultTokenSecret,
	}, sdk.TLSConfig{Fingerprint: sdk.FormatFingerprint(fp[:])})
	collect(t, st, client, "proxmox-pve", "cluster")
}

// vcenter emits a small vCenter inventory under the real vmware-vsphere
// declaration, so ingest checks it against the admitted platform's rule.
type vcenter struct{ sdk.Unimplemented }

func (vcenter) Declaration() sdk.Declaration                    { return vsphere.Declaration }
func (vcenter) Schema() sdk.Schema                              { return vsphere.Schema }
func (vcenter) Configure(context.Context, sdk.Connection) error { return nil }
func (vcenter) Check(context.Context, string) (sdk.CheckReport, error) {
	return sdk.CheckReport{Checks: []sdk.SubCheck{{Name: "login", OK: true}}}, nil
}

func (vcenter) Collect(_ context.Context, _ string, out sdk.Emitter) error {
	recs := []sdk.Resource{
		{Type: resource.TypeAgent, NativeID: "host-21", Name: "esx01.lab", Status: resource.StatusOnline,
			Identity: []resource.IdentityKey{{Kind: resource.KeyHostHardwareUUID, Value: "4c4c4544-0042-3510-8052-b4c04f4d3732"}}},
		{Type: resource.TypeVM, NativeID: "vm-42", Name: "web-vs01", Status: resource.StatusRunning,
			Identity: []resource.IdentityKey{{Kind: resource.KeyVMInstanceUUID, Value: "5003a1b2-c3d4-e5f6-0718-293a4b5c6d7e"}},
			Topology: map[string]string{"datacenter": "DC0", "cluster": "C0"}},
		{Type: resource.TypeStorage, NativeID: "datastore-11", Name: "vsanDatastore", Status: resource.StatusOnline},
	}
	for _, r := range recs {
		if err := out.Resource(r); err != nil {
			return err
		}
	}
	if err := out.Relationship(sdk.Relationship{From: "vm-42", Kind: resource.RelRunsOn, To: "host-21"}); err != nil {
		return err
	}
	if err := out.Metric(sdk.Metric{Resource: "vm-42", Name: "cpu_usage_ratio", Value: 0.25, Unit: "ratio", Time: time.Now()}); err != nil {
		return err
	}
	return out.Alert(sdk.Alert{NativeID: "alarm-7/vm-42", Resource: "vm-42", Severity: resource.SeverityWarning,
		Kind: "vm-cpu-usage", Message: "Virtual machine CPU usage", Started: time.Now().Add(-time.Hour)})
}

// pollVSphere collects the vcenter inventory over real gRPC.
func pollVSphere(t *testing.T, st *store.Store) {
	t.Helper()
	collect(t, st, sdktest.New(t, vcenter{}), "vmware-vsphere", "vcenter")
}

// report applies an agent-style report (agent-backed platforms and
// platforms without an adapter here) straight to the store.
func report(t *testing.T, st *store.Store, platformID, conn string, obs ...resource.Observation) {
	t.Helper()
	if _, err := st.ApplySnapshot(context.Background(), resource.SourceRef{Platform: platformID, Connection: conn},
		resource.Snapshot{Resources: obs}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// newTestCore builds the estate every tool test reads: a PVE cluster (real
// adapter), a vCenter (vSphere declaration), a PBS datastore, a pulse-agent
// augmenting pve01 and a docker host with an app container.
func newTestCore(t *testing.T) *testCore {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), daemon.DatabaseFile)
	st, err := store.Open(dbPath, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pollPVE(t, st)
	pollVSphere(t, st)
	report(t, st, "proxmox-pbs", "backup", resource.Observation{Type: resource.TypeStorage, NativeID: "datastore/main",
		Name: "pbs-main", Status: resource.StatusOnline, Attributes: json.RawMessage(`{"total_bytes":1000}`)})
	report(t, st, "agent", "pve01", resource.Observation{Type: resource.TypeAgent, NativeID: "host", Name: "pve01",
		Status: resource.StatusOnline, Identity: []resource.IdentityKey{{Kind: resource.KeyClusterNode, Value: "lab/pve01"},
			{Kind: resource.KeyMachineID, Value: "6f1c0a5e9d2b4c7f8e3a1b2c3d4e5f60"}}})
	report(t, st, "docker", "apphost", resource.Observation{Type: resource.TypeAppContainer, NativeID: "c-9f8e", Name: "grafana",
		Status: resource.StatusRunning})

	last := time.Now().UTC().Truncate(time.Second) // fresh: no stale-data alerts
	h := &fakeHost{
		conns: []pluginhost.ConnStatus{
			{Platform: "proxmox-pbs", Name: "backup", State: pluginhost.StateNoPlugin, PollInterval: "30s", LastError: "no plugin for proxmox-pbs"},
			{Platform: "proxmox-pve", Name: "cluster", State: pluginhost.StateOK, PollInterval: "30s", LastPoll: &last, LastSuccess: &last, Resources: 40},
			{Platform: "vmware-vsphere", Name: "vcenter", State: pluginhost.StateOK, PollInterval: "30s", LastPoll: &last, LastSuccess: &last, Resources: 3},
		},
		plugins: []pluginhost.PluginStatus{
			{Platform: "proxmox-pve", State: pluginhost.PluginRunning, Connections: []string{"cluster"}},
			{Platform: "vmware-vsphere", State: pluginhost.PluginRunning, Connections: []string{"vcenter"}},
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	apiS := api.New(st, h, hclog.NewNullLogger(), "test")
	// The alerts engine serves GET /api/v1/alerts in the daemon; so here.
	ar, err := alerting.Open(ctx, dbPath, &config.Config{Alerts: config.DefaultAlertSettings}, st, h, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ar.Close() })
	if err := ar.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	apiS.Mount(ar.Routes())
	apiH := apiS.Handler()
	srv := httptest.NewServer(daemon.WithMCP(ctx, apiH, hclog.NewNullLogger(), "test"))
	t.Cleanup(func() { cancel(); srv.Close() })
	return &testCore{store: st, host: h, srv: srv}
}

// resourceNamed returns the id of the readable resource called name.
func (c *testCore) resourceNamed(t *testing.T, platformID, name string) resource.Resource {
	t.Helper()
	for _, r := range c.store.Resources(store.Filter{Platform: platformID}) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s resource named %q", platformID, name)
	return resource.Resource{}
}

var _ http.Handler = (*http.ServeMux)(nil)

func storeAll() store.Filter { return store.Filter{} }
