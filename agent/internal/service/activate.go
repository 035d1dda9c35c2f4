package service

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

func run(out io.Writer, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w", name, args, err)
	}
	return nil
}

// activate registers and starts an installed service.
func activate(target string, s Spec, out io.Writer) error {
	switch target {
	case Systemd:
		if err := exec.Command("id", "-u", s.User).Run(); err != nil {
			if err := run(out, "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", s.User); err != nil {
				return err
			}
		}
		// The service user owns its key and settings; the directory stays 0700.
		if err := run(out, "chown", "-R", s.User+":"+s.User, s.ConfigDir); err != nil {
			return err
		}
		_ = os.Chmod(s.ConfigDir, 0o700)
		if err := run(out, "systemctl", "daemon-reload"); err != nil {
			return err
		}
		return run(out, "systemctl", "enable", "--now", "pulse-agent.service")
	case Launchd:
		return run(out, "launchctl", "load", "-w", LaunchdPlist)
	}
	return nil
}

func deactivate(target string, out io.Writer) {
	switch target {
	case Systemd:
		_ = run(out, "systemctl", "disable", "--now", "pulse-agent.service")
	case Launchd:
		_ = run(out, "launchctl", "unload", "-w", filepath.Clean(LaunchdPlist))
	}
}
