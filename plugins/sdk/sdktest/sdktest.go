// Package sdktest runs a plugin's Platform in process behind the real gRPC
// boundary, so plugin tests exercise exactly the wire the core uses.
package sdktest

import (
	"context"
	"encoding/json"
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// New serves p over a real gRPC connection (a unix socket in a temporary
// directory, registered exactly as sdk.GRPCPlugin registers it in a plugin
// process) and returns the host's client for it, with the host's message
// bound. Both ends close when the test ends. Unlike go-plugin's test
// connection it logs nothing, so benchmarks' output stays clean.
func New(t testing.TB, p sdk.Platform) *sdk.Client {
	t.Helper()
	dir, err := os.MkdirTemp("", "sdktest")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "plugin.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	if err := (&sdk.GRPCPlugin{Impl: p}).GRPCServer(nil, srv); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	cc, err := grpc.NewClient("unix://"+sock,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(sdk.MaxMessageBytes)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cc.Close()
		srv.Stop()
		_ = os.RemoveAll(dir)
	})
	return sdk.NewClient(cc)
}

// Snapshot is everything one Collect produced, as it crossed the wire
// (with the metric units the SDK leaves out filled in from the vocabulary).
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
	for _, m := range b.Metrics {
		// The SDK leaves out a unit equal to the vocabulary's (the core
		// reads it from there); show it as the core reads it.
		if m.GetUnit() == "" {
			if def, ok := resource.LookupMetric(m.GetName()); ok {
				m.Unit = string(def.Unit)
			}
		}
	}
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
