package service

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestInstallWritesExactFiles: install --root stages exactly the golden
// files (and the binary); uninstall removes them again.
func TestInstallWritesExactFiles(t *testing.T) {
	for _, c := range []struct{ target, path, golden string }{
		{Systemd, SystemdUnitPath, "pulse-agent.service"},
		{Launchd, LaunchdPlist, "com.pulse.agent.plist"},
		{Windows, WindowsSpecPath, "windows-service.json"},
	} {
		t.Run(c.target, func(t *testing.T) {
			root := t.TempDir()
			spec := DefaultSpec(c.target)
			if err := Install(c.target, root, spec, io.Discard); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(root, c.path))
			if err != nil {
				t.Fatal(err)
			}
			gp := filepath.Join("testdata", c.golden)
			if *update {
				if err := os.WriteFile(gp, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from %s:\n%s", c.path, gp, got)
			}
			if fi, err := os.Stat(filepath.Join(root, spec.Binary)); err != nil || fi.Mode().Perm() != 0o755 {
				t.Fatalf("binary not staged at %s: %v", spec.Binary, err)
			}
			if err := Uninstall(c.target, root, spec, io.Discard); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(root, c.path)); !os.IsNotExist(err) {
				t.Fatalf("uninstall left %s", c.path)
			}
		})
	}
}

// TestSystemdUnitHardening: the unit carries what the issue requires.
func TestSystemdUnitHardening(t *testing.T) {
	files, err := Files(Systemd, DefaultSpec(Systemd))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(files[0].Content)
	for _, line := range []string{"Type=notify", "WatchdogSec=", "ProtectSystem=full", "PrivateTmp=true",
		"CapabilityBoundingSet=\n", "NoNewPrivileges=yes", "User=pulse-agent", "ExecStart=/usr/local/bin/pulse-agent run --config-dir /etc/pulse"} {
		if !strings.Contains(unit, line) {
			t.Errorf("unit lacks %q", line)
		}
	}
	if strings.Contains(unit, "token") {
		t.Error("the unit mentions a token")
	}
}

// TestSystemdAnalyzeVerify runs systemd's own checker on the generated unit.
func TestSystemdAnalyzeVerify(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (apt-get install systemd); the unit is checked against the golden file only")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	spec := DefaultSpec(Systemd)
	spec.Binary = self // verify checks that ExecStart is executable
	files, err := Files(Systemd, spec)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "pulse-agent.service")
	if err := os.WriteFile(p, files[0].Content, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", p).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestLiveInstallRefusesForeignTarget(t *testing.T) {
	other := Launchd
	if DefaultTarget() == Launchd {
		other = Systemd
	}
	if err := Install(other, "/", DefaultSpec(other), io.Discard); err == nil || !strings.Contains(err.Error(), "--root") {
		t.Fatalf("err = %v", err)
	}
}

// TestFilesFillEveryPlaceholder: every {{.Field}} is filled, and a path
// with XML's special characters stays well-formed text in the plist.
func TestFilesFillEveryPlaceholder(t *testing.T) {
	spec := Spec{Binary: "/opt/a&b/<pulse-agent>", ConfigDir: "/etc/pulse", StateDir: "/var/lib/pulse-agent", User: "pulse"}
	for _, target := range []string{Systemd, Launchd} {
		files, err := Files(target, spec)
		if err != nil {
			t.Fatal(err)
		}
		got := string(files[0].Content)
		if strings.Contains(got, "{{") {
			t.Errorf("%s: unfilled placeholder in\n%s", target, got)
		}
		if target == Launchd && !strings.Contains(got, "<string>/opt/a&amp;b/&lt;pulse-agent&gt;</string>") {
			t.Errorf("plist does not escape the binary path:\n%s", got)
		}
		if target == Systemd && !strings.Contains(got, "ExecStart=/opt/a&b/<pulse-agent> run --config-dir /etc/pulse") {
			t.Errorf("unit ExecStart wrong:\n%s", got)
		}
	}
}
