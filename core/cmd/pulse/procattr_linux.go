//go:build linux

package main

import (
	"os/exec"
	"syscall"
)

// setParentDeath makes a simulator die with the lab, and puts it in its own
// process group so a terminal's Ctrl-C reaches only the lab, which stops the
// simulators after the core has logged out of them.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
}
