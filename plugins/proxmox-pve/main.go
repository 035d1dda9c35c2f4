// Command pulse-plugin-proxmox-pve is the Pulse platform plugin for Proxmox
// VE clusters; the core launches it. The adapter lives in package pve.
package main

import (
	"github.com/pulsehost/pulse/plugins/proxmox-pve/pve"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func main() { sdk.Serve(pve.New) }
