package keys

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCreateThenReuseWithStrictModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "etc", "pulse", "pulse_id")
	k, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("create = %v, %v", created, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %04o, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o, want 0700", fi.Mode().Perm())
	}
	again, created, err := LoadOrCreate(path)
	if err != nil || created || again.Fingerprint() != k.Fingerprint() {
		t.Fatalf("reuse = %v %v, fingerprint %s vs %s", created, err, again.Fingerprint(), k.Fingerprint())
	}
	// ssh-keygen reads the key and agrees on the fingerprint.
	if kg, err := exec.LookPath("ssh-keygen"); err == nil {
		out, err := exec.Command(kg, "-lf", path).Output()
		if err != nil || !strings.Contains(string(out), k.Fingerprint()) {
			t.Fatalf("ssh-keygen -lf: %s %v", out, err)
		}
	}
}

func TestRefusesKeyReadableByOthers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX modes")
	}
	path := filepath.Join(t.TempDir(), "pulse_id")
	if _, _, err := LoadOrCreate(path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if !errors.Is(err, ErrPermissions) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: err = %v", mode, err)
		}
		if _, _, err := LoadOrCreate(path); !errors.Is(err, ErrPermissions) {
			t.Errorf("LoadOrCreate replaced or accepted a %04o key: %v", mode, err)
		}
	}
}
