// Command pulse-plugin-proxmox-pbs is the Pulse platform plugin for Proxmox
// Backup Server; the core launches it. The adapter lives in package pbs.
package main

import (
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/pbs"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func main() { sdk.Serve(pbs.New) }
