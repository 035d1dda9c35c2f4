// Command pulse-plugin-proxmox-pmg is the Pulse platform plugin for Proxmox
// Mail Gateway; the core launches it. The adapter lives in package pmg.
package main

import (
	"github.com/pulsehost/pulse/plugins/proxmox-pmg/pmg"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func main() { sdk.Serve(pmg.New) }
