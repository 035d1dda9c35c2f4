package store

import (
	"encoding/json"
	"testing"

	"github.com/pulsehost/pulse/core/resource"
)

// TestRecoveryPointSubjectKey: a recovery point naming another source's
// resource by a strong key resolves to it, also after a reload; a weak key,
// an unknown key or a key two resources hold leaves the raw source key.
func TestRecoveryPointSubjectKey(t *testing.T) {
	s, path := openTemp(t)
	pve := resource.SourceRef{Platform: "proxmox-pve", Connection: "c"}
	pbs := resource.SourceRef{Platform: "proxmox-pbs", Connection: "b"}
	applyObs(t, s, pve, at(0),
		obs(resource.TypeVM, "101", "web", key(resource.KeyClusterGuest, "lab/101")),
		obs(resource.TypeVM, "102", "db", key(resource.KeyClusterGuest, "lab/102")),
		obs(resource.TypeVM, "103", "db-clone", key(resource.KeyClusterGuest, "lab/102")))
	rp := func(id, subject string) resource.RecoveryPoint {
		attrs, _ := json.Marshal(map[string]string{"subject_key": subject})
		return resource.RecoveryPoint{ID: id, Resource: "vm/" + id, Kind: resource.RecoveryBackup, Time: at(0), Attributes: attrs}
	}
	snapshot(t, s, pbs, at(1), resource.Snapshot{RecoveryPoints: []resource.RecoveryPoint{
		rp("101", "cluster-guest=LAB/101"), // keys normalise
		rp("102", "cluster-guest=lab/102"), // two guests hold it: ambiguous
		rp("104", "cluster-guest=lab/104"), // nobody holds it
		rp("105", "hostname=web"),          // weak keys never resolve
	}})
	check := func(s *Store) {
		t.Helper()
		web := ""
		for _, r := range s.Resources(Filter{}) {
			if r.Name == "web" {
				web = r.ID
			}
		}
		got := map[string]string{}
		for _, p := range s.RecoveryPoints("") {
			got[p.Resource] = p.ID
		}
		if _, ok := got[web]; !ok {
			t.Errorf("no recovery point resolved to the guest %s: %v", web, got)
		}
		for _, raw := range []string{"proxmox-pbs/b/vm/102", "proxmox-pbs/b/vm/104", "proxmox-pbs/b/vm/105"} {
			if _, ok := got[raw]; !ok {
				t.Errorf("%s should keep its raw id: %v", raw, got)
			}
		}
		if n := len(s.RecoveryPoints(web)); n != 1 {
			t.Errorf("guest has %d recovery points", n)
		}
	}
	check(s)
	s.Close()
	check(openAt(t, path))
}
