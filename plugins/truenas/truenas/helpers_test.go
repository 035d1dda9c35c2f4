package truenas_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
)

var epoch = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// lab is a fake TrueNAS behind TLS and the adapter behind real gRPC.
type lab struct {
	t       testing.TB
	fake    *faketruenas.Fake
	srv     *httptest.Server
	url     string
	tls     sdk.TLSConfig
	adapter *truenas.Adapter
	client  *sdk.Client
}

func newLab(t testing.TB, spec faketruenas.Spec, fo faketruenas.Options, o truenas.Options) *lab {
	t.Helper()
	if spec.Epoch.IsZero() {
		spec.Epoch = epoch
	}
	if fo.Now == nil {
		fo.Now = func() time.Time { return epoch }
	}
	if o.Now == nil {
		o.Now = func() time.Time { return epoch }
	}
	if o.BackoffMin == 0 {
		o.BackoffMin, o.BackoffMax = 20*time.Millisecond, 100*time.Millisecond
	}
	f := faketruenas.New(faketruenas.Generate(spec), fo)
	srv := httptest.NewTLSServer(f.Handler())
	fp := sha256.Sum256(srv.Certificate().Raw)
	a := truenas.NewWithOptions(hclog.NewNullLogger(), o)
	l := &lab{t: t, fake: f, srv: srv, url: "wss://" + strings.TrimPrefix(srv.URL, "https://") + "/api/current",
		tls: sdk.TLSConfig{Fingerprint: sdk.FormatFingerprint(fp[:])}, adapter: a}
	l.client = sdktest.New(t, a)
	t.Cleanup(func() {
		_ = l.client.Close(context.Background(), "nas")
		f.Close()
		srv.Close()
	})
	return l
}

func (l *lab) config(extra map[string]any) map[string]any {
	c := map[string]any{"endpoint": l.url, "api_key": faketruenas.DefaultAPIKey}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func (l *lab) configure(extra map[string]any) {
	l.t.Helper()
	l.configureTimeout(extra, 5*time.Second)
}

func (l *lab) configureTimeout(extra map[string]any, timeout time.Duration) {
	l.t.Helper()
	raw, err := json.Marshal(l.config(extra))
	if err != nil {
		l.t.Fatal(err)
	}
	if err := l.client.Configure(context.Background(), sdk.Connection{Name: "nas", Config: raw, TLS: l.tls, Timeout: timeout}); err != nil {
		l.t.Fatalf("configure: %v", err)
	}
}

func (l *lab) collect() (*sdktest.Snapshot, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return sdktest.Collect(ctx, l.client, "nas")
}

func (l *lab) mustCollect() *sdktest.Snapshot {
	l.t.Helper()
	s, err := l.collect()
	if err != nil {
		l.t.Fatalf("collect: %v", err)
	}
	return s
}

type readableResource struct {
	Type       string            `json:"type"`
	NativeID   string            `json:"native_id"`
	Name       string            `json:"name"`
	Status     string            `json:"status"`
	Identity   []string          `json:"identity,omitempty"`
	Topology   map[string]string `json:"topology,omitempty"`
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

type readable struct {
	Resources      []readableResource `json:"resources"`
	Relationships  any                `json:"relationships"`
	Metrics        any                `json:"metrics"`
	Alerts         any                `json:"alerts"`
	RecoveryPoints []readableRP       `json:"recovery_points"`
}

func toReadable(s *sdktest.Snapshot) readable {
	var out readable
	for _, r := range s.Resources {
		rr := readableResource{Type: r.Type, NativeID: r.NativeId, Name: r.Name, Status: r.Status, Topology: r.Topology,
			Runtime: r.Runtime, Attributes: r.Attributes}
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

func find(s *sdktest.Snapshot, id string) *readableResource {
	for _, r := range toReadable(s).Resources {
		if r.NativeID == id {
			return &r
		}
	}
	return nil
}

func alertKinds(s *sdktest.Snapshot) map[string]string {
	out := map[string]string{}
	for _, a := range s.Alerts {
		out[a.NativeId] = a.Kind + "|" + a.Severity + "|" + a.Resource
	}
	return out
}
