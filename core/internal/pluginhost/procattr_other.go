//go:build !linux

package pluginhost

import "os/exec"

// setParentDeathSignal has no kernel support here; plugins built with the
// SDK exit on their own when their parent process goes away.
func setParentDeathSignal(*exec.Cmd) {}
