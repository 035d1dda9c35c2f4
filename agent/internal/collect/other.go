//go:build !linux

package collect

import (
	"net"
	"os"
	"runtime"
	"strings"

	"github.com/pulsehost/pulse/core/agentwire"
)

// collectOS reports what the standard library can tell outside Linux:
// hostname, CPU count, network interfaces with their MACs and addresses.
// Memory, disks and sensors need OS APIs not wired up yet on this system.
func (c *Collector) collectOS(t *agentwire.Telemetry, full bool) {
	t.Identity.Hostname, _ = os.Hostname()
	t.Resources.CPUCount = runtime.NumCPU()
	t.Environment.Platform = "unknown"
	ifs, _ := net.Interfaces()
	for _, ni := range ifs {
		ifc := agentwire.Interface{Name: ni.Name, MAC: strings.ToLower(ni.HardwareAddr.String()),
			Physical: ni.Flags&net.FlagLoopback == 0 && len(ni.HardwareAddr) == 6}
		addrs, _ := ni.Addrs()
		for _, a := range addrs {
			ifc.Addresses = append(ifc.Addresses, a.String())
		}
		t.Interfaces = append(t.Interfaces, ifc)
	}
	_ = full
}
