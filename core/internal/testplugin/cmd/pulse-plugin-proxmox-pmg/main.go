// Command pulse-plugin-proxmox-pmg here is the fault-injecting test plugin;
// tests build it under this name so the core discovers it like a real plugin.
package main

import (
	"github.com/pulsehost/pulse/core/internal/testplugin"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func main() { sdk.Serve(testplugin.New) }
