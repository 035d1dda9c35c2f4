// Package sdktest runs a plugin's Platform in process behind the real gRPC
// boundary, so plugin tests exercise exactly the wire the core uses.
package sdktest

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/pulsehost/pulse/plugins/sdk"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// New serves p over an in-process gRPC connection and returns the host's
// client for it. Both ends close when the test ends.
func New(t testing.TB, p sdk.Platform) *sdk.Client {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{
		sdk.PluginName: &sdk.GRPCPlugin{Impl: p},
	})
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(sdk.PluginName)
	if err != nil {
		t.Fatalf("dispense: %v", err)
	}
	return raw.(*sdk.Client)
}

// Snapshot is everything one Collect produced, as it crossed the wire.
type Snapshot struct {
	Batches        int                 `json:"-"`
	Resources      []*pb.Resource      `json:"resources"`
	Relationships  []*pb.Relationship  `json:"relationships"`
	Metrics        []*pb.Metric        `json:"metrics"`
	Alerts         []*pb.Alert         `json:"alerts"`
	RecoveryPoints []*pb.RecoveryPoint `json:"recovery_points"`
}

// Add appends one batch.
func (s *Snapshot) Add(b *pb.Batch) {
	s.Batches++
	s.Resources = append(s.Resources, b.Resources...)
	s.Relationships = append(s.Relationships, b.Relationships...)
	s.Metrics = append(s.Metrics, b.Metrics...)
	s.Alerts = append(s.Alerts, b.Alerts...)
	s.RecoveryPoints = append(s.RecoveryPoints, b.RecoveryPoints...)
}

// Collect runs one Collect through c and gathers the batches.
func Collect(ctx context.Context, c *sdk.Client, conn string) (*Snapshot, error) {
	s := &Snapshot{}
	err := c.Collect(ctx, conn, func(b *pb.Batch) error { s.Add(b); return nil })
	return s, err
}

// Configure is a shortcut: it marshals cfg to JSON and configures conn.
func Configure(t testing.TB, c *sdk.Client, conn string, cfg any, tls sdk.TLSConfig) {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Configure(context.Background(), sdk.Connection{Name: conn, Config: raw, TLS: tls}); err != nil {
		t.Fatalf("configure %s: %v", conn, err)
	}
}

// Golden compares got, rendered as indented JSON, with testdata/name; with
// -update it rewrites the file instead.
func Golden(t testing.TB, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s (run with -update to create it): %v", path, err)
	}
	if string(want) != string(b) {
		t.Errorf("%s differs from the golden file (run with -update after checking the change):\n%s", path, diff(string(want), string(b)))
	}
}
