// Command pulse-plugin-truenas is the Pulse platform plugin for TrueNAS
// 25.04 and later; the core launches it. The adapter lives in package
// truenas.
package main

import (
	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
)

func main() { sdk.Serve(truenas.New) }
