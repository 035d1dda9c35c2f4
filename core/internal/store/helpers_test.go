package store

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/pulsehost/pulse/core/resource"
)

var (
	pveLab   = resource.SourceRef{Platform: "proxmox-pve", Connection: "lab"}
	pveLabB  = resource.SourceRef{Platform: "proxmox-pve", Connection: "lab-b"}
	agentH1  = resource.SourceRef{Platform: "agent", Connection: "h1"}
	agentH2  = resource.SourceRef{Platform: "agent", Connection: "h2"}
	dockerH1 = resource.SourceRef{Platform: "docker", Connection: "h1"}
	truenas  = resource.SourceRef{Platform: "truenas", Connection: "nas"}
	vsphere  = resource.SourceRef{Platform: "vmware-vsphere", Connection: "vc"}
	pbs      = resource.SourceRef{Platform: "proxmox-pbs", Connection: "backup"}

	t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func key(k resource.KeyKind, v string) resource.IdentityKey {
	return resource.IdentityKey{Kind: k, Value: v}
}

// obs builds an observation; attrs is a JSON object or "".
func obs(typ resource.Type, native, name string, keys ...resource.IdentityKey) resource.Observation {
	return resource.Observation{Type: typ, NativeID: native, Name: name, Status: resource.StatusOnline, Identity: keys}
}

func withAttrs(o resource.Observation, attrs string) resource.Observation {
	o.Attributes = json.RawMessage(attrs)
	return o
}

func withTopology(o resource.Observation, kv ...string) resource.Observation {
	o.Topology = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		o.Topology[kv[i]] = kv[i+1]
	}
	return o
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(buf *syncBuffer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: buf, Level: hclog.Warn})
}

func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, hclog.NewNullLogger())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pulse.db")
	s := openAt(t, path)
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func snapshot(t testing.TB, s *Store, src resource.SourceRef, when time.Time, snap resource.Snapshot) ApplyStats {
	t.Helper()
	st, err := s.ApplySnapshot(context.Background(), src, snap, when)
	if err != nil {
		t.Fatalf("apply snapshot %v: %v", src, err)
	}
	return st
}

func applyObs(t testing.TB, s *Store, src resource.SourceRef, when time.Time, os ...resource.Observation) ApplyStats {
	t.Helper()
	return snapshot(t, s, src, when, resource.Snapshot{Resources: os})
}

// groups describes the store as the source keys of each resource in role
// order, resources sorted by their first key.
func groups(s *Store) [][]string {
	var out [][]string
	for _, r := range s.Resources(Filter{}) {
		var g []string
		for _, src := range r.Sources {
			g = append(g, resource.SourceRef{Platform: src.Platform, Connection: src.Connection}.Key(src.NativeID))
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// dump is everything a reader can see, for round-trip comparisons.
type dump struct {
	Resources []resource.Resource
	Alerts    []resource.Alert
	Recovery  []resource.RecoveryPoint
	Sources   []resource.SourceRef
}

func dumpOf(s *Store) dump {
	return dump{
		Resources: s.Resources(Filter{}),
		Alerts:    s.Alerts(AlertFilter{IncludeCleared: true}),
		Recovery:  s.RecoveryPoints(""),
		Sources:   s.Sources(),
	}
}

func requireEqualDump(t *testing.T, want, got dump) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		w, _ := json.MarshalIndent(want, "", " ")
		g, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("state differs\nwant: %s\ngot:  %s", firstDiff(string(w), string(g)), firstDiff(string(g), string(w)))
	}
}

// firstDiff returns a's text around the first line that differs from b.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range al {
		if i >= len(bl) || al[i] != bl[i] {
			lo := max(0, i-5)
			return strings.Join(al[lo:min(len(al), i+5)], "\n")
		}
	}
	if len(al) == len(bl) {
		return "(identical JSON; difference is in non-JSON detail such as time location or nil vs empty)"
	}
	return "(prefix)"
}
