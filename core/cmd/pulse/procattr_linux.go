//go:build linux

package main

import (
	"os/exec"
	"syscall"
)

// setParentDeath makes a simulator die with the lab.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
