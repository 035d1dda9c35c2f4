package pve_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/apischema"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is a settable clock shared by the fake and the adapter.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newClock() *clock                   { return &clock{now: epoch} }
func tokenConfig(urls ...string) map[string]any {
	return map[string]any{"endpoints": urls, "token_id": fakepve.DefaultTokenID, "token_secret": fakepve.DefaultTokenSecret}
}

// lab is a fake cluster with an adapter behind the real gRPC boundary.
type lab struct {
	t       testing.TB
	fake    *fakepve.Fake
	member  *fakepve.Member
	adapter *pve.Adapter
	client  *sdk.Client
	clock   *clock
	tls     sdk.TLSConfig
}

func newLab(t testing.TB, c *fakepve.Cluster, o pve.Options, fo fakepve.Options) *lab {
	t.Helper()
	clk := newClock()
	if o.Now == nil {
		o.Now = clk.Now
	}
	if fo.Now == nil {
		fo.Now = clk.Now
	}
	f := fakepve.New(c, fo)
	if tt, ok := t.(*testing.T); ok {
		validateResponses(tt, f)
	}
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
	a := pve.NewWithOptions(hclog.NewNullLogger(), o)
	return &lab{t: t, fake: f, member: m, adapter: a, client: sdktest.New(t, a), clock: clk,
		tls: sdk.TLSConfig{Fingerprint: sdk.FormatFingerprint(fp[:])}}
}

func (l *lab) configure(name string, cfg map[string]any) {
	l.t.Helper()
	sdktest.Configure(l.t, l.client, name, cfg, l.tls)
}

func (l *lab) configureTimeout(name string, cfg map[string]any, timeout time.Duration) {
	l.t.Helper()
	raw, _ := json.Marshal(cfg)
	if err := l.client.Configure(context.Background(), sdk.Connection{Name: name, Config: raw, TLS: l.tls, Timeout: timeout}); err != nil {
		l.t.Fatalf("configure: %v", err)
	}
}

func (l *lab) collect(name string) (*sdktest.Snapshot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return sdktest.Collect(ctx, l.client, name)
}

func (l *lab) mustCollect(name string) *sdktest.Snapshot {
	l.t.Helper()
	s, err := l.collect(name)
	if err != nil {
		l.t.Fatalf("collect: %v", err)
	}
	return s
}

// validateResponses checks every response the fake serves during a test
// against the schema extract of pve-apidoc.json.
func validateResponses(t *testing.T, f *fakepve.Fake) {
	apischema.CheckResponses(t, f, "pve", fakepve.Undeclared)
}

// readable is a snapshot with attributes as JSON rather than bytes, for
// golden files.
type readable struct {
	Resources      []readableResource `json:"resources"`
	Relationships  any                `json:"relationships"`
	Metrics        any                `json:"metrics"`
	Alerts         any                `json:"alerts"`
	RecoveryPoints []readableRP       `json:"recovery_points"`
}

type readableResource struct {
	Type       string            `json:"type"`
	NativeID   string            `json:"native_id"`
	Name       string            `json:"name"`
	Status     string            `json:"status"`
	Identity   []string          `json:"identity,omitempty"`
	Topology   map[string]string `json:"topology,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Runtime    string            `json:"runtime,omitempty"`
	Attributes json.RawMessage   `json:"attributes,omitempty"`
}

type readableRP struct {
	NativeID   string          `json:"native_id"`
	Resource   string          `json:"resource"`
	Kind       string          `json:"kind"`
	Time       time.Time       `json:"time"`
	SizeBytes  int64           `json:"size_bytes,omitempty"`
	Storage    string          `json:"storage,omitempty"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

func toReadable(s *sdktest.Snapshot) readable {
	var out readable
	for _, r := range s.Resources {
		rr := readableResource{Type: r.Type, NativeID: r.NativeId, Name: r.Name, Status: r.Status, Topology: r.Topology,
			Tags: r.Tags, Runtime: r.Runtime, Attributes: r.Attributes}
		for _, k := range r.Identity {
			rr.Identity = append(rr.Identity, k.Kind+"="+k.Value)
		}
		out.Resources = append(out.Resources, rr)
	}
	out.Relationships, out.Metrics, out.Alerts = s.Relationships, s.Metrics, s.Alerts
	for _, p := range s.RecoveryPoints {
		out.RecoveryPoints = append(out.RecoveryPoints, readableRP{NativeID: p.NativeId, Resource: p.Resource, Kind: p.Kind,
			Time: time.UnixMilli(p.TimeMs).UTC(), SizeBytes: p.SizeBytes, Storage: p.Storage, Attributes: p.Attributes})
	}
	return out
}

// find returns the resource with native id, or nil.
func find(s *sdktest.Snapshot, id string) *readableResource {
	for _, r := range toReadable(s).Resources {
		if r.NativeID == id {
			return &r
		}
	}
	return nil
}

func records(s *sdktest.Snapshot) int {
	return len(s.Resources) + len(s.Relationships) + len(s.Metrics) + len(s.Alerts) + len(s.RecoveryPoints)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
