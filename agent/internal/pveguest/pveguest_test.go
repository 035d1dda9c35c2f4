package pveguest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExecute runs fake qm and pct that record their arguments.
func TestExecute(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	for _, n := range []string{"qm", "pct"} {
		script := "#!/bin/sh\necho " + n + " \"$@\" >> " + log + "\n[ \"$2\" = 999 ] && { echo 'no such VM' >&2; exit 2; }\nexit 0\n"
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e := Executor{Dir: dir}
	if !e.Available() || (Executor{Dir: t.TempDir()}).Available() {
		t.Fatal("availability")
	}
	ctx := context.Background()
	if _, err := e.Execute(ctx, "shutdown", "qemu/100", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Execute(ctx, "reboot", "lxc/101", nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	if string(b) != "qm shutdown 100\npct reboot 101\n" {
		t.Errorf("calls %q", b)
	}
	for _, tc := range []struct{ action, target, has string }{
		{"destroy", "qemu/100", "not one of"},
		{"start", "qemu/abc", "numeric vmid"},
		{"start", "node/100", "not a qemu or lxc guest"},
		{"start", "qemu/999", "no such VM"},
	} {
		if _, err := e.Execute(ctx, tc.action, tc.target, nil); err == nil || !strings.Contains(err.Error(), tc.has) {
			t.Errorf("%s %s: %v", tc.action, tc.target, err)
		}
	}
}
