package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCrossCompiles: the agent builds statically (CGO_ENABLED=0) for
// darwin and windows as well as linux.
func TestCrossCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling takes a while; skipped with -short")
	}
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gotool); err != nil {
		if gotool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go tool to cross-compile with")
		}
	}
	for _, target := range []struct{ goos, goarch string }{{"darwin", "arm64"}, {"windows", "amd64"}} {
		t.Run(target.goos+"/"+target.goarch, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "pulse-agent")
			cmd := exec.Command(gotool, "build", "-o", out, "./cmd/pulse-agent")
			cmd.Env = append(os.Environ(), "GOOS="+target.goos, "GOARCH="+target.goarch, "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("GOOS=%s GOARCH=%s go build: %v\n%s", target.goos, target.goarch, err, b)
			}
		})
	}
}

// SizeGoal is the host agent's binary size goal (the seed's "under 10 MB"),
// for the static, stripped build make build produces.
const SizeGoal = 10_000_000

// TestBinarySizeGoal builds pulse-agent as make build does and fails when
// it reaches the size goal: one import that keeps reflection's method
// tables alive (text/template did, 2.5 MB) is enough to lose it silently.
func TestBinarySizeGoal(t *testing.T) {
	if testing.Short() {
		t.Skip("building the agent takes a while; skipped with -short")
	}
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gotool); err != nil {
		if gotool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go tool to build with")
		}
	}
	out := filepath.Join(t.TempDir(), "pulse-agent")
	cmd := exec.Command(gotool, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/pulse-agent")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pulse-agent (%s/%s, static, stripped): %d bytes", runtime.GOOS, runtime.GOARCH, fi.Size())
	if fi.Size() >= SizeGoal {
		t.Errorf("pulse-agent is %d bytes, over the %d-byte goal: look for a new dependency (go tool nm -size -sort size) or a reflection user such as text/template", fi.Size(), SizeGoal)
	}
}
