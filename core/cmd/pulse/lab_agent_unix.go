//go:build unix

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// labAgentUser is who the lab agent runs as: the invoking user, or nobody
// (65534) when the lab runs as root.
func labAgentUser() (uid, gid int, dropped bool) {
	if os.Geteuid() != 0 {
		return os.Getuid(), os.Getgid(), false
	}
	return 65534, 65534, true
}

// asUser runs cmd as uid:gid when dropped.
func asUser(cmd *exec.Cmd, uid, gid int, dropped bool) {
	if !dropped {
		return
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}
