// Package pveguest executes proxmox-pve's augmentation-only guest actions on
// the node the agent runs on: start, stop, shutdown and reboot of a VM with
// `qm` or of a container with `pct`, never through the API connection.
package pveguest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Actions are the guest actions.
var Actions = []string{"reboot", "shutdown", "start", "stop"}

// Executor runs qm and pct from Dir (default /usr/sbin).
type Executor struct {
	Dir string
}

func (e Executor) bin(name string) string {
	d := e.Dir
	if d == "" {
		d = "/usr/sbin"
	}
	return filepath.Join(d, name)
}

// Available reports whether this host is a PVE node (qm or pct present).
func (e Executor) Available() bool {
	for _, n := range []string{"qm", "pct"} {
		if fi, err := os.Stat(e.bin(n)); err == nil && fi.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

// Actions implements the command channel's executor.
func (e Executor) Actions() []string { return Actions }

// Execute runs action on "qemu/<vmid>" or "lxc/<vmid>".
func (e Executor) Execute(ctx context.Context, action, target string, _ map[string]string) (string, error) {
	if !slices.Contains(Actions, action) {
		return "", fmt.Errorf("guest action %q is not one of %v", action, Actions)
	}
	kind, id, _ := strings.Cut(target, "/")
	if n, err := strconv.Atoi(id); err != nil || n < 100 {
		return "", fmt.Errorf("target %q is not qemu/<vmid> or lxc/<vmid> with a numeric vmid of at least 100", target)
	}
	tool := map[string]string{"qemu": "qm", "lxc": "pct"}[kind]
	if tool == "" {
		return "", fmt.Errorf("target %q is not a qemu or lxc guest", target)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, e.bin(tool), action, id)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s %s: %v: %s", tool, action, id, err, strings.TrimSpace(out.String()))
	}
	return fmt.Sprintf("%s %s %s: done %s", tool, action, id, strings.TrimSpace(out.String())), nil
}
