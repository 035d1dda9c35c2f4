package daemon

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/internal/agentgw"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
)

// signedAgent is a pulse-agent's key speaking the wire contract over HTTP.
type signedAgent struct {
	t      *testing.T
	url    string
	signer ssh.Signer
	fp     string
	seq    uint64
}

func (a *signedAgent) post(path, ns string, v any) (int, string) {
	a.t.Helper()
	body, _ := json.Marshal(v)
	sig, err := agentwire.SignHeader(a.signer, ns, body)
	if err != nil {
		a.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, a.url+path, bytes.NewReader(body))
	req.Header.Set(agentwire.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func (a *signedAgent) report(kind string, tel agentwire.Telemetry) {
	a.t.Helper()
	a.seq++
	if code, body := a.post(agentwire.PathReport, agentwire.NamespaceReport, agentwire.Report{
		Fingerprint: a.fp, Seq: a.seq, SentAt: time.Now().UTC().Format(time.RFC3339), Kind: kind, Telemetry: tel,
	}); code != http.StatusOK {
		a.t.Fatalf("report = %d %s", code, body)
	}
}

// pveNodeTelemetry is what pulse-agent reports on PVE node pve02 of the
// generated cluster "lab": its cluster membership (read from
// /etc/pve/.members) and its two disks with the serials PVE lists.
func pveNodeTelemetry() agentwire.Telemetry {
	return agentwire.Telemetry{
		Identity:     agentwire.Identity{Hostname: "pve02", HWUUID: "6f1c0a5e9d2b4c7f8e3a1b2c3d4e5f60", HWUUIDSource: "machine-id", MachineID: "6f1c0a5e9d2b4c7f8e3a1b2c3d4e5f60", Cluster: &agentwire.ClusterMember{Kind: "proxmox-ve", Name: "lab", Node: "pve02"}},
		Environment:  agentwire.Environment{Platform: "bare-metal", OSFamily: "linux", KernelVersion: "6.8.12-4-pve"},
		Resources:    agentwire.Resources{MemTotalMB: 262144, MemUsedMB: 99000, CPUModel: "AMD EPYC 7302P", CPULoadAvg: 1.5, DiskUtilizationPct: 21},
		Capabilities: agentwire.Capabilities{InstalledTools: []string{"pct", "pvesh", "qm", "zfs"}},
		Health:       agentwire.Health{UptimeSeconds: 867600, ThermalStatus: "normal"},
		Agent:        &agentwire.AgentInfo{Version: "test", IntervalSeconds: 30},
		BlockDevices: []agentwire.BlockDevice{
			{Name: "nvme0n1", Model: "Samsung SSD 980 PRO 1TB", Serial: "S5GXNF0R000003", SizeBytes: 1000204886016},
			{Name: "sda", Model: "INTEL SSDSC2KB960G8", Serial: "PHYF00000004D", SizeBytes: 960197124096},
		},
		Temperatures: []agentwire.Temperature{{Sensor: "k10temp/Tctl", Celsius: 51}},
	}
}

// TestSignedAgentReportsMergeWithPVENode proves the hybrid rule end to end
// through the real gateway: the proxmox-pve adapter polls a fake cluster
// behind the real gRPC boundary, a pulse-agent key enrolls with a token and
// sends signed reports over HTTP, and node pve02 stays one canonical agent
// resource with PVE primary and the agent augmenting; its disks merge by
// serial. When the agent falls silent, only its source goes stale.
func TestSignedAgentReportsMergeWithPVENode(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, DatabaseFile), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	adb, err := agentgw.OpenDB(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	gw := agentgw.New(adb, st, hclog.NewNullLogger(), agentgw.Options{Now: func() time.Time { return clock() }})
	srv := httptest.NewServer(gw.Handler())
	defer srv.Close()

	src := newPVESource(t, fakepve.Generate(fakepve.Spec{Nodes: 3, Guests: 12}))
	src.poll(t, st)
	nodesBefore := len(st.Resources(store.Filter{Type: resource.TypeAgent}))
	disksBefore := len(st.Resources(store.Filter{Type: resource.TypePhysicalDisk}))

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	a := &signedAgent{t: t, url: srv.URL, signer: signer, fp: agentwire.Fingerprint(signer.PublicKey())}
	tok, _, err := agentgw.CreateToken(context.Background(), adb, 15*time.Minute, 1, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := a.post(agentwire.PathEnroll, agentwire.NamespaceEnroll, agentwire.EnrollRequest{
		Token: tok, PublicKey: string(ssh.MarshalAuthorizedKey(signer.PublicKey())), Hostname: "pve02",
	}); code != http.StatusCreated {
		t.Fatalf("enroll = %d %s", code, body)
	}
	a.report(agentwire.KindFull, pveNodeTelemetry())

	if got := len(st.Resources(store.Filter{Type: resource.TypeAgent})); got != nodesBefore {
		t.Fatalf("agent resources = %d after the agent reported, want %d (merged)", got, nodesBefore)
	}
	if got := len(st.Resources(store.Filter{Type: resource.TypePhysicalDisk})); got != disksBefore {
		t.Fatalf("disks = %d after the agent reported, want %d (merged by serial)", got, disksBefore)
	}
	nodes := agentsNamed(st, "pve02")
	if len(nodes) != 1 {
		t.Fatalf("pve02 appears %d times", len(nodes))
	}
	n := nodes[0]
	roles := map[string]resource.Role{}
	for _, s := range n.Sources {
		roles[s.Platform] = s.Role
	}
	if n.Platform != "proxmox-pve" || roles["proxmox-pve"] != resource.RolePrimary || roles["agent"] != resource.RoleAugment {
		t.Fatalf("node platform %s, roles %v", n.Platform, roles)
	}
	var attrs map[string]any
	if err := json.Unmarshal(n.Attributes, &attrs); err != nil || attrs["kernel_version"] != "6.8.12-4-pve" || attrs["agent_fingerprint"] != a.fp {
		t.Fatalf("agent fields not merged: %s", n.Attributes)
	}
	hasMetric := false
	for _, m := range st.Metrics(n.ID) {
		if m.Name == "temperature_celsius" && m.Value == 51 {
			hasMetric = true
		}
	}
	if !hasMetric {
		t.Fatalf("the agent's temperature is not on the merged node: %+v", st.Metrics(n.ID))
	}
	merged := 0
	for _, d := range st.Resources(store.Filter{Type: resource.TypePhysicalDisk, Platform: "agent"}) {
		if len(d.Sources) != 2 || d.Platform != "proxmox-pve" {
			t.Fatalf("disk %s is not merged with PVE's: %+v", d.Name, d.Sources)
		}
		merged++
	}
	if merged != 2 {
		t.Fatalf("merged disks = %d, want 2", merged)
	}

	// Another PVE poll keeps one resource with both sources.
	id := n.ID
	src.poll(t, st)
	if again := agentsNamed(st, "pve02"); len(again) != 1 || again[0].ID != id || len(again[0].Sources) != 2 {
		t.Fatalf("after a second poll: %+v", again)
	}

	// Silent for three intervals: the agent's source goes stale, the node
	// (PVE fresh) does not, and an alert is raised on it.
	now = now.Add(91 * time.Second)
	if err := gw.CheckStale(context.Background()); err != nil {
		t.Fatal(err)
	}
	n2, _ := st.Resource(id)
	if n2.Stale {
		t.Fatal("the hybrid node went stale with its PVE source fresh")
	}
	for _, s := range n2.Sources {
		if s.Platform == "agent" && (!s.Stale || !strings.Contains(s.StaleReason, "silent for 3 report intervals")) {
			t.Fatalf("agent source: %+v", s)
		}
	}
	var silent int
	for _, al := range st.Alerts(store.AlertFilter{}) {
		if al.Kind == agentgw.StaleAlertKind && al.Resource == id {
			silent++
		}
	}
	if silent != 1 {
		t.Fatalf("stale alerts on the node = %d: %+v", silent, st.Alerts(store.AlertFilter{}))
	}
}
