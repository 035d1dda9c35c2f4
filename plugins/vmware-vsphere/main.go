// Command pulse-plugin-vmware-vsphere is the vmware-vsphere platform plugin:
// the core launches it and talks to it over go-plugin gRPC.
package main

import (
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/vsphere"
)

func main() { sdk.Serve(vsphere.New) }
