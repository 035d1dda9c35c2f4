package vsphere_test

import (
	"testing"

	"github.com/pulsehost/pulse/plugins/vmware-vsphere/internal/simlab"
)

// TestLabMemoryFitsSamples: in the lab simulator's model (SizeMemory), no
// host or VM uses more memory than it has, so memory_usage_ratio stays a
// ratio; the adapter reads the sizes SizeMemory set.
func TestLabMemoryFitsSamples(t *testing.T) {
	m := simlab.VPX(simlab.Small)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	simlab.SizeMemory(m)
	l := newLabFromModel(t, m)
	snap := l.collect(testCtx(t))
	used, total := map[string]float64{}, map[string]float64{}
	for _, x := range snap.Metrics {
		switch x.GetName() {
		case "memory_used_bytes":
			used[x.GetResource()] = x.GetValue()
		case "memory_total_bytes":
			total[x.GetResource()] = x.GetValue()
		}
	}
	if len(used) == 0 {
		t.Fatal("no memory_used_bytes in the collect")
	}
	for id, u := range used {
		tot, ok := total[id]
		switch {
		case !ok:
			t.Errorf("%s: memory_used_bytes without memory_total_bytes", id)
		case tot != simlab.LabHostMemory && tot != simlab.LabVMMemoryMB<<20:
			t.Errorf("%s: memory_total_bytes %.0f is not a size SizeMemory sets", id, tot)
		case u > tot:
			t.Errorf("%s uses %.1f GiB of %.1f GiB", id, u/(1<<30), tot/(1<<30))
		}
	}
}
