package pbs_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/apischema"
	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/fakepbs"
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/pbs"
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

func tokenConfig(url string) map[string]any {
	return map[string]any{"endpoint": url, "token_id": fakepbs.DefaultTokenID, "token_secret": fakepbs.DefaultTokenSecret}
}

// lab is a fake PBS with an adapter behind the real gRPC boundary.
type lab struct {
	t       testing.TB
	fake    *fakepbs.Fake
	url     string
	adapter *pbs.Adapter
	client  *sdk.Client
	clock   *clock
	tls     sdk.TLSConfig
}

func newLab(t testing.TB, m *fakepbs.Server, o pbs.Options, fo fakeapi.Options) *lab {
	t.Helper()
	clk := &clock{now: epoch}
	if o.Now == nil {
		o.Now = clk.Now
	}
	if fo.Now == nil {
		fo.Now = clk.Now
	}
	f := fakepbs.New(m, fo)
	if tt, ok := t.(*testing.T); ok {
		validateResponses(tt, f)
	}
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
	a := pbs.NewWithOptions(hclog.NewNullLogger(), o)
	return &lab{t: t, fake: f, url: u, adapter: a, client: sdktest.New(t, a), clock: clk,
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
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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
// against the schema extract of pbs-apidoc.json.
func validateResponses(t *testing.T, f *fakepbs.Fake) {
	apischema.CheckResponses(t, f, "pbs", nil)
}

func find(s *sdktest.Snapshot, id string) *sdktest.ReadableResource {
	for _, r := range s.Readable().Resources {
		if r.NativeID == id {
			return &r
		}
	}
	return nil
}

func alertIDs(s *sdktest.Snapshot) map[string]string {
	out := map[string]string{}
	for _, a := range s.Alerts {
		out[a.NativeId] = a.Message
	}
	return out
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
