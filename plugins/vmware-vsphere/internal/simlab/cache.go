package simlab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vmware/govmomi"
)

// BenchModelVersion keys the cached benchmark model directory; change it
// whenever Bench, VPX or Save changes what a saved model holds.
const BenchModelVersion = "govmomi-v0.56.0-bench-v1"

// CachedModelDir returns a directory holding shape s saved with Save, under
// os.TempDir() and keyed by version. The first call generates it (building
// the model in the simulator is slow: about 40 s for 1,000 VMs), later calls
// and later processes reuse it.
func CachedModelDir(ctx context.Context, s Shape, version string) (string, error) {
	dir := filepath.Join(os.TempDir(), "pulse-vsphere-model-"+version)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "pulse-vsphere-model-gen-")
	if err != nil {
		return "", fmt.Errorf("cache model: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	m := VPX(s)
	if err := m.Create(); err != nil {
		return "", fmt.Errorf("cache model: create: %w", err)
	}
	defer m.Remove()
	srv, err := Serve(m, "", "", "")
	if err != nil {
		return "", fmt.Errorf("cache model: %w", err)
	}
	defer srv.Close()
	c, err := govmomi.NewClient(ctx, srv.URL, true)
	if err != nil {
		return "", fmt.Errorf("cache model: login: %w", err)
	}
	defer func() { _ = c.Logout(ctx) }()
	out := filepath.Join(tmp, "model")
	if err := Save(ctx, c.Client, out); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(out, ".complete"), []byte(version+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("cache model: %w", err)
	}
	if err := os.Rename(out, dir); err != nil {
		// Another process may have won the race; use its copy if complete.
		if _, serr := os.Stat(filepath.Join(dir, ".complete")); serr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("cache model: %w", err)
	}
	return dir, nil
}
