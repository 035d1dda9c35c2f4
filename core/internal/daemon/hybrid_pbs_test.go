package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/governance"
	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/fakepbs"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/pbs"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

// pbsSource polls a fake PBS through the real adapter behind the real gRPC
// boundary and validates what it emits, as the plugin host does.
type pbsSource struct {
	fake   *fakepbs.Fake
	client *sdk.Client
	rule   *ingest.Rule
}

func newPBSSource(t *testing.T, m *fakepbs.Server, extra map[string]any) *pbsSource {
	t.Helper()
	f := fakepbs.New(m, fakepbs.Options{})
	u, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	cert, err := f.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(cert.Certificate[0])
	client := sdktest.New(t, pbs.New(hclog.NewNullLogger()))
	info, err := client.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, probs := governance.Check(info.Declaration)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	cfg := map[string]any{"endpoint": u, "token_id": fakepbs.DefaultTokenID, "token_secret": fakepbs.DefaultTokenSecret}
	for k, v := range extra {
		cfg[k] = v
	}
	sdktest.Configure(t, client, "backup", cfg, sdk.TLSConfig{Fingerprint: sdk.FormatFingerprint(fp[:])})
	return &pbsSource{fake: f, client: client, rule: ingest.NewRule(p, info.Declaration)}
}

func (s *pbsSource) poll(t *testing.T, st *store.Store) {
	t.Helper()
	now := time.Now()
	asm := ingest.NewAssembler(s.rule, now)
	if err := s.client.Collect(context.Background(), "backup", asm.Add); err != nil {
		t.Fatal(err)
	}
	snap, rej := asm.Snapshot()
	if len(rej) > 0 {
		t.Fatalf("rejected: %v", rej)
	}
	if _, err := st.ApplySnapshot(context.Background(), resource.SourceRef{Platform: "proxmox-pbs", Connection: "backup"}, snap, now); err != nil {
		t.Fatal(err)
	}
}

// pbsAgentReport is what a pulse-agent on the PBS host reports: its host
// record with the server's pbs-instance-id (read from the local PBS).
func pbsAgentReport(instanceID string) (resource.SourceRef, resource.Snapshot) {
	return resource.SourceRef{Platform: "agent", Connection: "pbs-lab"}, resource.Snapshot{Resources: []resource.Observation{{
		Type: resource.TypeAgent, NativeID: "host", Name: "pbs-lab", Status: resource.StatusOnline,
		Identity: []resource.IdentityKey{
			{Kind: resource.KeyPBSInstanceID, Value: instanceID},
			{Kind: resource.KeyMachineID, Value: "0b1d2f3a4c5e6d7f8091a2b3c4d5e6f7"},
			{Kind: resource.KeyHostname, Value: "pbs-lab"},
		},
		Attributes: json.RawMessage(`{"kernel_version":"6.14.8-2-pve","smart_failing_disks":0,"zfs_pools":["backup"]}`),
	}}}
}

// TestPBSAndAgentMergeIntoOneHybridPBSResource proves the PBS hybrid rule
// end to end, in both arrival orders: the pbs record of the API and the
// agent's host record sharing pbs-instance-id are one pbs resource, the API
// primary and the agent augmenting; no separate agent resource remains.
func TestPBSAndAgentMergeIntoOneHybridPBSResource(t *testing.T) {
	for _, agentFirst := range []bool{false, true} {
		name := "pbs first"
		if agentFirst {
			name = "agent first"
		}
		t.Run(name, func(t *testing.T) {
			st := openStore(t)
			m := fakepbs.Lab(time.Now().UTC().Truncate(time.Hour))
			src := newPBSSource(t, m, nil)
			ref, snap := pbsAgentReport(strings.ToUpper(m.InstanceID)) // case differs: keys normalise
			if agentFirst {
				if _, err := st.ApplySnapshot(context.Background(), ref, snap, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			src.poll(t, st)
			if !agentFirst {
				if _, err := st.ApplySnapshot(context.Background(), ref, snap, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			servers := st.Resources(store.Filter{Type: resource.TypePBS})
			if len(servers) != 1 {
				t.Fatalf("%d pbs resources", len(servers))
			}
			if agents := st.Resources(store.Filter{Type: resource.TypeAgent}); len(agents) != 0 {
				t.Fatalf("the agent's host stayed apart: %+v", agents)
			}
			s := servers[0]
			roles := map[string]resource.Role{}
			for _, so := range s.Sources {
				roles[so.Platform] = so.Role
			}
			if s.Platform != "proxmox-pbs" || roles["proxmox-pbs"] != resource.RolePrimary || roles["agent"] != resource.RoleAugment {
				t.Fatalf("server = %+v, roles %v", s, roles)
			}
			var attrs map[string]any
			if err := json.Unmarshal(s.Attributes, &attrs); err != nil {
				t.Fatal(err)
			}
			if attrs["kernel_version"] != "6.14.8-2-pve" || attrs["version"] != "4.2" {
				t.Fatalf("attributes from both sources expected: %s", s.Attributes)
			}
			// The datastores stay related to the merged server.
			stores := st.Resources(store.Filter{Type: resource.TypeStorage})
			if len(stores) != 3 {
				t.Fatalf("%d datastores", len(stores))
			}
			id := s.ID
			src.poll(t, st)
			if again := st.Resources(store.Filter{Type: resource.TypePBS}); len(again) != 1 || again[0].ID != id || len(again[0].Sources) != 2 {
				t.Fatalf("after a second poll: %+v", again)
			}
		})
	}
}

// TestAgentWithoutSharedKeyStaysApart: an agent on another host (no shared
// strong key, only the same hostname) never merges into the pbs resource.
func TestAgentWithoutSharedKeyStaysApart(t *testing.T) {
	st := openStore(t)
	src := newPBSSource(t, fakepbs.Lab(time.Now().UTC().Truncate(time.Hour)), nil)
	src.poll(t, st)
	ref, snap := pbsAgentReport("ffffffffffffffffffffffffffffffff")
	if _, err := st.ApplySnapshot(context.Background(), ref, snap, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(st.Resources(store.Filter{Type: resource.TypeAgent})); n != 1 {
		t.Fatalf("%d agent resources, want the unrelated agent apart", n)
	}
}

// TestPBSBackupsReferenceThePVEGuest: a PBS connection told which PVE
// cluster backs up into it emits recovery points whose subject_key names the
// guest; the store resolves them to the canonical PVE guest, so the guest's
// recovery points include its PBS backups. Without the cluster mapping they
// keep the raw ids.
func TestPBSBackupsReferenceThePVEGuest(t *testing.T) {
	st := openStore(t)
	pve := newPVESource(t, fakepve.Generate(fakepve.Spec{Nodes: 2, Guests: 8}))
	pve.poll(t, st)
	m := fakepbs.Generate(fakepbs.Spec{Datastores: 1, Namespaces: 1, Groups: 4, Snapshots: 2})
	src := newPBSSource(t, m, map[string]any{"pve_clusters": []string{"=lab"}})
	src.poll(t, st)

	var guest resource.Resource
	for _, r := range st.Resources(store.Filter{}) {
		var a struct {
			VMID int `json:"vmid"`
		}
		_ = json.Unmarshal(r.Attributes, &a)
		if (r.Type == resource.TypeVM || r.Type == resource.TypeSystemContainer) && a.VMID == 100 {
			guest = r
		}
	}
	if guest.ID == "" {
		t.Fatal("no PVE guest 100")
	}
	var fromPBS, rawIDs int
	for _, p := range st.RecoveryPoints(guest.ID) {
		if p.Platform == "proxmox-pbs" {
			fromPBS++
		}
	}
	for _, p := range st.RecoveryPoints("") {
		if p.Platform == "proxmox-pbs" && strings.HasPrefix(p.Resource, "proxmox-pbs/") {
			rawIDs++
		}
	}
	// Root namespace: vm/100 has 2 snapshots; site-a namespaces are not mapped.
	if fromPBS != 2 {
		t.Errorf("guest 100 has %d PBS recovery points, want 2", fromPBS)
	}
	if rawIDs == 0 {
		t.Error("unmapped namespaces should keep raw ids")
	}
}
