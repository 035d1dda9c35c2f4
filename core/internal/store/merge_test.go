package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

func TestMergeRules(t *testing.T) {
	type step struct {
		src resource.SourceRef
		obs []resource.Observation
	}
	const (
		agentT = resource.TypeAgent
		zeros  = "00000000-0000-0000-0000-000000000000"
	)
	pveNode := obs(agentT, "node/pve1", "pve1", key(resource.KeyMachineID, "m1"), key(resource.KeyClusterNode, "lab/pve1"), key(resource.KeyHostname, "pve1"))
	agentHost := obs(agentT, "a1", "pve1.lab", key(resource.KeyMachineID, "m1"), key(resource.KeyHostname, "pve1"))
	tests := []struct {
		name  string
		steps []step
		want  [][]string
	}{
		{
			name:  "pve node and agent with the same machine-id become one hybrid resource, pve primary",
			steps: []step{{pveLab, []resource.Observation{pveNode}}, {agentH1, []resource.Observation{agentHost}}},
			want:  [][]string{{"proxmox-pve/lab/node/pve1", "agent/h1/a1"}},
		},
		{
			name:  "agent seen first still yields pve primary",
			steps: []step{{agentH1, []resource.Observation{agentHost}}, {pveLab, []resource.Observation{pveNode}}},
			want:  [][]string{{"proxmox-pve/lab/node/pve1", "agent/h1/a1"}},
		},
		{
			name: "docker and agent with the same machine-id stay apart",
			steps: []step{
				{agentH1, []resource.Observation{agentHost}},
				{dockerH1, []resource.Observation{obs(agentT, "d1", "pve1", key(resource.KeyMachineID, "m1"))}},
			},
			want: [][]string{{"agent/h1/a1"}, {"docker/h1/d1"}},
		},
		{
			name: "pve merges with the agent but not with the docker record of the same host",
			steps: []step{
				{agentH1, []resource.Observation{agentHost}},
				{dockerH1, []resource.Observation{obs(agentT, "d1", "pve1", key(resource.KeyMachineID, "m1"))}},
				{pveLab, []resource.Observation{pveNode}},
			},
			want: [][]string{{"docker/h1/d1"}, {"proxmox-pve/lab/node/pve1", "agent/h1/a1"}},
		},
		{
			name: "hostname alone never merges",
			steps: []step{
				{pveLab, []resource.Observation{obs(agentT, "node/pve1", "pve1", key(resource.KeyHostname, "pve1"))}},
				{agentH1, []resource.Observation{obs(agentT, "a1", "pve1", key(resource.KeyHostname, "pve1"))}},
			},
			want: [][]string{{"agent/h1/a1"}, {"proxmox-pve/lab/node/pve1"}},
		},
		{
			name: "ip, dmi-serial and vm-bios-uuid never merge",
			steps: []step{
				{pveLab, []resource.Observation{obs(agentT, "node/pve1", "pve1", key(resource.KeyIP, "10.0.0.1"), key(resource.KeyDMISerial, "S1"), key(resource.KeyVMBIOSUUID, "b1"))}},
				{agentH1, []resource.Observation{obs(agentT, "a1", "pve1", key(resource.KeyIP, "10.0.0.1"), key(resource.KeyDMISerial, "S1"), key(resource.KeyVMBIOSUUID, "b1"))}},
			},
			want: [][]string{{"agent/h1/a1"}, {"proxmox-pve/lab/node/pve1"}},
		},
		{
			name: "two connections to the same cluster dedupe by cluster-node",
			steps: []step{
				{pveLab, []resource.Observation{obs(agentT, "node/pve1", "pve1", key(resource.KeyClusterNode, "lab/pve1"))}},
				{pveLabB, []resource.Observation{obs(agentT, "node/pve1", "pve1", key(resource.KeyClusterNode, "Lab/PVE1"))}},
			},
			want: [][]string{{"proxmox-pve/lab/node/pve1", "proxmox-pve/lab-b/node/pve1"}},
		},
		{
			name: "placeholder uuids never merge",
			steps: []step{
				{pveLab, []resource.Observation{obs(agentT, "node/pve1", "pve1", key(resource.KeyDMIUUID, zeros))}},
				{agentH1, []resource.Observation{obs(agentT, "a1", "pve1", key(resource.KeyDMIUUID, zeros), key(resource.KeyMachineID, "  Not Specified "))}},
				{agentH2, []resource.Observation{obs(agentT, "a2", "pve2", key(resource.KeyDMIUUID, zeros), key(resource.KeyMachineID, "not specified"))}},
			},
			want: [][]string{{"agent/h1/a1"}, {"agent/h2/a2"}, {"proxmox-pve/lab/node/pve1"}},
		},
		{
			name: "values differing only in case and spaces merge",
			steps: []step{
				{pveLab, []resource.Observation{obs(agentT, "node/pve1", "pve1", key(resource.KeyDMIUUID, "4C4C4544-0031"))}},
				{agentH1, []resource.Observation{obs(agentT, "a1", "pve1", key(resource.KeyDMIUUID, " 4c4c4544-0031 "))}},
			},
			want: [][]string{{"proxmox-pve/lab/node/pve1", "agent/h1/a1"}},
		},
		{
			name: "ambiguous keys pointing at two resources do not merge",
			steps: []step{
				{agentH1, []resource.Observation{obs(agentT, "a1", "x", key(resource.KeyMachineID, "m1"))}},
				{agentH2, []resource.Observation{obs(agentT, "a2", "y", key(resource.KeyDMIUUID, "d1"))}},
				{pveLab, []resource.Observation{obs(agentT, "node/pve1", "pve1", key(resource.KeyMachineID, "m1"), key(resource.KeyDMIUUID, "d1"))}},
			},
			want: [][]string{{"agent/h1/a1"}, {"agent/h2/a2"}, {"proxmox-pve/lab/node/pve1"}},
		},
		{
			name: "records of one connection never merge with each other",
			steps: []step{{pveLab, []resource.Observation{
				obs(agentT, "node/pve1", "pve1", key(resource.KeyMachineID, "m1")),
				obs(agentT, "node/pve2", "pve2", key(resource.KeyMachineID, "m1")),
			}}},
			want: [][]string{{"proxmox-pve/lab/node/pve1"}, {"proxmox-pve/lab/node/pve2"}},
		},
		{
			name: "an agent host merges into the pbs resource (the governed host type of proxmox-pbs)",
			steps: []step{
				{pbs, []resource.Observation{obs(resource.TypePBS, "pbs1", "pbs1", key(resource.KeyMachineID, "m1"))}},
				{agentH1, []resource.Observation{agentHost}},
			},
			want: [][]string{{"proxmox-pbs/backup/pbs1", "agent/h1/a1"}},
		},
		{
			name: "other different canonical types never merge",
			steps: []step{
				{pbs, []resource.Observation{obs(resource.TypeStorage, "datastore/a", "a", key(resource.KeyMachineID, "m1"))}},
				{agentH1, []resource.Observation{agentHost}},
			},
			want: [][]string{{"agent/h1/a1"}, {"proxmox-pbs/backup/datastore/a"}},
		},
		{
			name: "platform without hybrid augmentation does not merge with the agent",
			steps: []step{
				{vsphere, []resource.Observation{obs(agentT, "host-1", "esx1", key(resource.KeyHostHardwareUUID, "h1"), key(resource.KeyMachineID, "m1"))}},
				{agentH1, []resource.Observation{agentHost}},
			},
			want: [][]string{{"agent/h1/a1"}, {"vmware-vsphere/vc/host-1"}},
		},
		{
			name: "truenas disk and agent disk merge by serial",
			steps: []step{
				{truenas, []resource.Observation{obs(resource.TypePhysicalDisk, "disk/sda", "sda", key(resource.KeyDiskSerial, "WD-123"))}},
				{agentH1, []resource.Observation{obs(resource.TypePhysicalDisk, "disk/sda", "sda", key(resource.KeyDiskSerial, "wd-123"))}},
			},
			want: [][]string{{"truenas/nas/disk/sda", "agent/h1/disk/sda"}},
		},
		{
			name: "a record gaining a matching key later joins the resource",
			steps: []step{
				{pveLab, []resource.Observation{obs(agentT, "node/pve1", "pve1")}},
				{agentH1, []resource.Observation{agentHost}},
				{pveLab, []resource.Observation{pveNode}},
			},
			want: [][]string{{"proxmox-pve/lab/node/pve1", "agent/h1/a1"}},
		},
		{
			name: "a record losing its shared key leaves the resource",
			steps: []step{
				{pveLab, []resource.Observation{pveNode}},
				{agentH1, []resource.Observation{agentHost}},
				{agentH1, []resource.Observation{obs(agentT, "a1", "pve1.lab", key(resource.KeyMachineID, "m2"))}},
			},
			want: [][]string{{"agent/h1/a1"}, {"proxmox-pve/lab/node/pve1"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t)
			for i, st := range tc.steps {
				applyObs(t, s, st.src, at(i), st.obs...)
			}
			if got := groups(s); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("groups:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestHybridView(t *testing.T) {
	s, _ := openTemp(t)
	node := withTopology(withAttrs(obs(resource.TypeAgent, "node/pve1", "pve1",
		key(resource.KeyMachineID, "M1"), key(resource.KeyClusterNode, "lab/pve1")),
		`{"cpus": 8, "pve_version": "9.0"}`), "cluster", "lab")
	node.Tags = []string{"prod"}
	node.Status = resource.StatusOnline
	host := withTopology(withAttrs(obs(resource.TypeAgent, "a1", "pve1.lab.example",
		key(resource.KeyMachineID, "m1"), key(resource.KeyHostname, "pve1")),
		`{"cpus": 16, "kernel": "6.8.12"}`), "cluster", "other", "site", "rack-3")
	host.Tags = []string{"agent", "prod"}
	host.Runtime = "debian"
	host.Status = resource.StatusUnknown

	st := applyObs(t, s, pveLab, at(0), node)
	if st.Upserted != 1 || st.Merged != 0 {
		t.Fatalf("first stats %+v", st)
	}
	st = applyObs(t, s, agentH1, at(1), host)
	if st.Merged != 1 {
		t.Fatalf("merge stats %+v", st)
	}
	rs := s.Resources(Filter{})
	if len(rs) != 1 {
		t.Fatalf("want one resource, got %d", len(rs))
	}
	r := rs[0]
	wantID := "agent-" + hex16("proxmox-pve/lab/node/pve1")
	checks := []struct {
		name      string
		got, want any
	}{
		{"id from first source key", r.ID, wantID},
		{"platform is primary's", r.Platform + "/" + r.Connection, "proxmox-pve/lab"},
		{"name from primary", r.Name, "pve1"},
		{"status from primary", r.Status, resource.StatusOnline},
		{"runtime falls back to augment", r.Runtime, "debian"},
		{"topology primary wins per key", r.Topology, map[string]string{"cluster": "lab", "site": "rack-3"}},
		{"attributes merged per key", string(r.Attributes), `{"cpus":8,"kernel":"6.8.12","pve_version":"9.0"}`},
		{"tags union", r.Tags, []string{"agent", "prod"}},
		{"identity union deduped", r.Identity, []resource.IdentityKey{
			key(resource.KeyMachineID, "m1"), key(resource.KeyClusterNode, "lab/pve1"), key(resource.KeyHostname, "pve1")}},
		{"roles", []resource.Role{r.Sources[0].Role, r.Sources[1].Role}, []resource.Role{resource.RolePrimary, resource.RoleAugment}},
		{"primary fields", r.Sources[0].Fields, []string{"attributes.cpus", "attributes.pve_version", "identity", "name", "status", "tags", "topology.cluster"}},
		{"augment fields", r.Sources[1].Fields, []string{"attributes.kernel", "identity", "runtime", "tags", "topology.site"}},
		{"first seen", r.FirstSeen, at(0)},
		{"last seen is the latest source", r.LastSeen, at(1)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}

	// The agent disappearing leaves the resource with its id.
	applyObs(t, s, agentH1, at(2))
	r2, ok := s.Resource(wantID)
	if !ok || len(r2.Sources) != 1 || string(r2.Attributes) != `{"cpus": 8, "pve_version": "9.0"}` && string(r2.Attributes) != `{"cpus":8,"pve_version":"9.0"}` {
		t.Fatalf("after agent removal: ok=%v %+v", ok, r2)
	}
}

func TestAmbiguousWarnsOncePerSourceKey(t *testing.T) {
	var buf syncBuffer
	s, err := Open(t.TempDir()+"/pulse.db", testLogger(&buf))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	applyObs(t, s, agentH1, at(0), obs(resource.TypeAgent, "a1", "x", key(resource.KeyMachineID, "m1")))
	applyObs(t, s, agentH2, at(1), obs(resource.TypeAgent, "a2", "y", key(resource.KeyDMIUUID, "d1")))
	for i, extra := range []string{"", "f1", "f2"} {
		keys := []resource.IdentityKey{key(resource.KeyMachineID, "m1"), key(resource.KeyDMIUUID, "d1")}
		if extra != "" {
			keys = append(keys, key(resource.KeySSHFingerprint, extra)) // identity changes: re-evaluated
		}
		applyObs(t, s, pveLab, at(2+i), obs(resource.TypeAgent, "node/pve1", "pve1", keys...))
	}
	if n := strings.Count(buf.String(), "identity keys match several resources"); n != 1 {
		t.Fatalf("want one warning, got %d:\n%s", n, buf.String())
	}
	if n := len(s.Resources(Filter{})); n != 3 {
		t.Fatalf("want 3 resources, got %d", n)
	}
}

func TestMergeAllowed(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"proxmox-pve", "proxmox-pve", true},
		{"agent", "proxmox-pve", true},
		{"proxmox-pbs", "agent", true},
		{"agent", "truenas", true},
		{"agent", "agent", true},
		{"agent", "docker", false},
		{"kubernetes", "agent", false},
		{"agent", "proxmox-pmg", false},
		{"agent", "vmware-vsphere", false},
		{"proxmox-pve", "truenas", false},
		{"agent", "unknown", false},
	}
	for _, tc := range tests {
		t.Run(tc.a+"+"+tc.b, func(t *testing.T) {
			if got := mergeAllowed(tc.a, tc.b); got != tc.want {
				t.Fatalf("mergeAllowed(%s, %s) = %v", tc.a, tc.b, got)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	s, _ := openTemp(t)
	applyObs(t, s, pveLab, at(0),
		obs(resource.TypeAgent, "node/pve1", "pve1", key(resource.KeyMachineID, "m1")),
		obs(resource.TypeVM, "qemu/100", "web"),
		obs(resource.TypeVM, "qemu/101", "db"))
	applyObs(t, s, agentH1, at(1), obs(resource.TypeAgent, "a1", "pve1", key(resource.KeyMachineID, "m1")))
	applyObs(t, s, dockerH1, at(1), obs(resource.TypeAppContainer, "c1", "nginx"))
	if err := s.MarkStale(t.Context(), dockerH1, "agent offline", at(2)); err != nil {
		t.Fatal(err)
	}
	names := func(rs []resource.Resource) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	yes, no := true, false
	all := s.Resources(Filter{})
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all sorted by type then name", Filter{}, []string{"pve1", "nginx", "db", "web"}},
		{"type", Filter{Type: resource.TypeVM}, []string{"db", "web"}},
		{"platform matches any source", Filter{Platform: "agent"}, []string{"pve1"}},
		{"platform and connection", Filter{Platform: "proxmox-pve", Connection: "lab"}, []string{"pve1", "db", "web"}},
		{"connection of another platform", Filter{Platform: "docker", Connection: "lab"}, nil},
		{"stale", Filter{Stale: &yes}, []string{"nginx"}},
		{"fresh", Filter{Stale: &no}, []string{"pve1", "db", "web"}},
		{"ids", Filter{IDs: []string{all[3].ID, all[0].ID, "nope"}}, []string{"pve1", "web"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(s.Resources(tc.f)); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v want %v", got, tc.want)
			}
		})
	}
}

func TestReadsReturnCopies(t *testing.T) {
	s, _ := openTemp(t)
	o := withTopology(withAttrs(obs(resource.TypeVM, "qemu/100", "web", key(resource.KeyVMInstanceUUID, "u1")), `{"a":1}`), "node", "pve1")
	o.Tags = []string{"x"}
	applyObs(t, s, pveLab, at(0), o)
	r := s.Resources(Filter{})[0]
	r.Topology["node"] = "mutated"
	r.Tags[0] = "mutated"
	r.Attributes[1] = 'X'
	r.Identity[0].Value = "mutated"
	r.Sources[0].Fields[0] = "mutated"
	again, _ := s.Resource(r.ID)
	if again.Topology["node"] != "pve1" || again.Tags[0] != "x" || string(again.Attributes) != `{"a":1}` ||
		again.Identity[0].Value != "u1" || again.Sources[0].Fields[0] == "mutated" {
		t.Fatalf("internal state was mutated through a read: %+v", again)
	}
}
