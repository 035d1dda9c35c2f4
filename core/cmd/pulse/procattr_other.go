//go:build !linux

package main

import "os/exec"

// setParentDeath is a no-op where the kernel has no parent-death signal.
func setParentDeath(*exec.Cmd) {}
