package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/governance"
	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

// pveSource polls a fake PVE cluster through the real adapter behind the real
// gRPC boundary and validates what it emits, as the plugin host does.
type pveSource struct {
	fake   *fakepve.Fake
	client *sdk.Client
	rule   *ingest.Rule
}

func newPVESource(t *testing.T, c *fakepve.Cluster) *pveSource {
	t.Helper()
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
	info, err := client.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, probs := governance.Check(info.Declaration)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	sdktest.Configure(t, client, "cluster", map[string]any{
		"endpoints": []string{m.URL()}, "token_id": fakepve.DefaultTokenID, "token_secret": fakepve.DefaultTokenSecret,
	}, sdk.TLSConfig{Fingerprint: sdk.FormatFingerprint(fp[:])})
	return &pveSource{fake: f, client: client, rule: ingest.NewRule(p, info.Declaration)}
}

func (s *pveSource) poll(t *testing.T, st *store.Store) {
	t.Helper()
	now := time.Now()
	asm := ingest.NewAssembler(s.rule, now)
	if err := s.client.Collect(context.Background(), "cluster", asm.Add); err != nil {
		t.Fatal(err)
	}
	snap, rej := asm.Snapshot()
	if len(rej) > 0 {
		t.Fatalf("rejected: %v", rej)
	}
	if _, err := st.ApplySnapshot(context.Background(), resource.SourceRef{Platform: "proxmox-pve", Connection: "cluster"}, snap, now); err != nil {
		t.Fatal(err)
	}
}

// agentReport is what a pulse-agent on a PVE node reports about its host.
func agentReport(platform, node string) (resource.SourceRef, resource.Snapshot) {
	return resource.SourceRef{Platform: platform, Connection: node}, resource.Snapshot{Resources: []resource.Observation{{
		Type: resource.TypeAgent, NativeID: "host", Name: node, Status: resource.StatusOnline,
		Identity: []resource.IdentityKey{
			{Kind: resource.KeyClusterNode, Value: "lab/" + node},
			{Kind: resource.KeyMachineID, Value: "6f1c0a5e9d2b4c7f8e3a1b2c3d4e5f60"},
			{Kind: resource.KeyHostname, Value: node},
		},
		Attributes: json.RawMessage(`{"kernel_version":"6.8.12-4-pve","cpu_model":"AMD EPYC 7302P","installed_tools":["zfs","python3"]}`),
	}}}
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), DatabaseFile), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func agentsNamed(st *store.Store, name string) []resource.Resource {
	var out []resource.Resource
	for _, r := range st.Resources(store.Filter{Type: resource.TypeAgent}) {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// TestPVENodeAndAgentMergeIntoOneHybridResource proves the seed's hybrid rule
// with both sources feeding the store: the PVE API is primary, the agent on
// the node augments, and the node stays one canonical agent resource.
func TestPVENodeAndAgentMergeIntoOneHybridResource(t *testing.T) {
	st := openStore(t)
	src := newPVESource(t, fakepve.Generate(fakepve.Spec{Nodes: 3, Guests: 12}))
	src.poll(t, st)
	before := len(st.Resources(store.Filter{Type: resource.TypeAgent}))

	ref, snap := agentReport("agent", "pve02")
	if _, err := st.ApplySnapshot(context.Background(), ref, snap, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := len(st.Resources(store.Filter{Type: resource.TypeAgent})); got != before {
		t.Fatalf("agent resources = %d after the agent reported, want %d (merged)", got, before)
	}
	nodes := agentsNamed(st, "pve02")
	if len(nodes) != 1 {
		t.Fatalf("pve02 appears %d times", len(nodes))
	}
	n := nodes[0]
	if n.Platform != "proxmox-pve" || len(n.Sources) != 2 {
		t.Fatalf("node = %+v", n)
	}
	roles := map[string]resource.Role{}
	for _, s := range n.Sources {
		roles[s.Platform] = s.Role
	}
	if roles["proxmox-pve"] != resource.RolePrimary || roles["agent"] != resource.RoleAugment {
		t.Fatalf("roles = %v", roles)
	}
	var attrs map[string]any
	if err := json.Unmarshal(n.Attributes, &attrs); err != nil || attrs["kernel_version"] != "6.8.12-4-pve" {
		t.Fatalf("agent fields not merged: %s", n.Attributes)
	}

	// Polling again keeps the merge and the id; the agent's view survives.
	id := n.ID
	src.poll(t, st)
	if again := agentsNamed(st, "pve02"); len(again) != 1 || again[0].ID != id || len(again[0].Sources) != 2 {
		t.Fatalf("after a second poll: %+v", again)
	}
}

// TestDockerOnAPVENodeStaysParallel: docker is a parallel first-class
// platform, never hybrid with the host it runs on, even with shared keys.
func TestDockerOnAPVENodeStaysParallel(t *testing.T) {
	st := openStore(t)
	src := newPVESource(t, fakepve.Generate(fakepve.Spec{Nodes: 2, Guests: 4}))
	src.poll(t, st)
	ref, snap := agentReport("docker", "pve01")
	if _, err := st.ApplySnapshot(context.Background(), ref, snap, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := agentsNamed(st, "pve01"); len(got) != 2 {
		t.Fatalf("pve01 = %d resources, want the PVE node and the docker host apart", len(got))
	}
}

// TestGuestKeepsItsIDAcrossLiveMigration: a migrated guest is the same
// canonical resource, now running on another node.
func TestGuestKeepsItsIDAcrossLiveMigration(t *testing.T) {
	st := openStore(t)
	src := newPVESource(t, fakepve.Generate(fakepve.Spec{Nodes: 2, Guests: 4}))
	src.poll(t, st)
	vms := st.Resources(store.Filter{Type: resource.TypeVM})
	if len(vms) == 0 {
		t.Fatal("no vms")
	}
	vm := vms[0]
	hostName := func(r resource.Resource) string {
		for _, rel := range r.Relationships {
			if rel.Kind == resource.RelRunsOn {
				h, _ := st.Resource(rel.Target)
				return h.Name
			}
		}
		return ""
	}
	from := hostName(vm)
	to := "pve01"
	if from == "pve01" {
		to = "pve02"
	}
	src.fake.Update(func(c *fakepve.Cluster) {
		for _, g := range c.Guests {
			if g.Name == vm.Name {
				g.Node = to
			}
		}
	})
	src.poll(t, st)
	moved, ok := st.Resource(vm.ID)
	if !ok {
		t.Fatalf("vm %s lost its canonical id after migrating", vm.Name)
	}
	if got := hostName(moved); got != to {
		t.Fatalf("vm runs on %q after migrating from %s, want %s", got, from, to)
	}
	if n := len(st.Resources(store.Filter{Type: resource.TypeVM})); n != len(vms) {
		t.Fatalf("vms = %d, want %d", n, len(vms))
	}
}
