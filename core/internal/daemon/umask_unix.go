//go:build unix

package daemon

import "syscall"

// restrictUmask makes every file the core creates (the database, its WAL,
// the TLS key) private to its user.
func restrictUmask() { syscall.Umask(0o077) }
