package store

import (
	"encoding/json"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/protobuf/proto"

	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/platform"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// pveWire is what the PVE adapter sends for a cluster of nodes and guests,
// as the marshalled batches that cross the gRPC boundary (about 1,000
// records each, as the SDK batches them): per guest a resource like the
// adapter's, its runs_on link and 11 metrics; per node a resource and 6
// metrics. Metric values move with cycle; nothing else does.
func pveWire(tb testing.TB, nodes, guests, cycle int) [][]byte {
	tb.Helper()
	var out [][]byte
	cur := &pb.Batch{}
	n := 0
	flush := func(force bool) {
		if n >= 1000 || (force && n > 0) {
			b, err := proto.Marshal(cur)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
			cur, n = &pb.Batch{}, 0
		}
	}
	metric := func(id, name string, v float64) {
		cur.Metrics = append(cur.Metrics, &pb.Metric{Resource: id, Name: name, Value: v, TimeMs: int64(1_800_000_000_000 + cycle*10_000)})
		n++
	}
	for i := range nodes {
		name := fmt.Sprintf("pve%02d", i+1)
		attrs, _ := json.Marshal(map[string]any{"platformType": "proxmox-pve", "cluster": "lab", "node": name, "online": true, "cpus": 64, "memory_total_bytes": 274877906944})
		cur.Resources = append(cur.Resources, &pb.Resource{Type: "agent", NativeId: "node/" + name, Name: name, Status: "online",
			Identity: []*pb.IdentityKey{{Kind: "cluster-node", Value: "lab/" + name}, {Kind: "hostname", Value: name}},
			Topology: map[string]string{"cluster": "lab", "node": name}, Attributes: attrs})
		n++
		for j, m := range []string{"cpu_usage_ratio", "cpu_cores", "memory_used_bytes", "memory_total_bytes", "uptime_seconds", "load1"} {
			metric("node/"+name, m, float64(cycle*7+i+j))
		}
		flush(false)
	}
	for i := range guests {
		id := fmt.Sprint(100 + i)
		node := fmt.Sprintf("pve%02d", i%nodes+1)
		typ, rt := "vm", "qemu"
		if i%4 == 3 {
			typ, rt = "system-container", "lxc"
		}
		attrs, _ := json.Marshal(map[string]any{"vmid": 100 + i, "node": node, "pve_status": "running", "cpus": 2, "memory_total_bytes": 2147483648, "disk_total_bytes": 34359738368, "template": false})
		cur.Resources = append(cur.Resources, &pb.Resource{Type: typ, NativeId: id, Name: fmt.Sprintf("guest-%04d", i), Status: "running",
			Identity: []*pb.IdentityKey{{Kind: "cluster-guest", Value: "lab/" + id}},
			Topology: map[string]string{"cluster": "lab", "node": node}, Runtime: rt, Attributes: attrs})
		cur.Relationships = append(cur.Relationships, &pb.Relationship{From: id, Kind: "runs-on", To: "node/" + node})
		n += 2
		for j, m := range []string{"cpu_usage_ratio", "cpu_cores", "memory_used_bytes", "memory_total_bytes", "disk_total_bytes",
			"network_receive_bytes_total", "network_transmit_bytes_total", "disk_read_bytes_total", "disk_write_bytes_total", "uptime_seconds", "swap_used_bytes"} {
			metric(id, m, float64(cycle*13+i+j))
		}
		flush(false)
	}
	flush(true)
	return out
}

// pveRule is the ingest rule of the PVE adapter's declaration (the parts
// these records use).
func pveRule(tb testing.TB) *ingest.Rule {
	tb.Helper()
	p, ok := platform.Lookup("proxmox-pve")
	if !ok {
		tb.Fatal("no proxmox-pve platform")
	}
	return ingest.NewRule(p, &pb.Declaration{
		Projections:  []string{"agent", "vm", "system-container"},
		IdentityKeys: []string{"cluster-node", "hostname", "cluster-guest"},
	})
}

// decodeWire decodes the batches as the core's gRPC client does.
func decodeWire(tb testing.TB, wire [][]byte) []*pb.Batch {
	out := make([]*pb.Batch, len(wire))
	for i, w := range wire {
		out[i] = &pb.Batch{}
		if err := proto.Unmarshal(w, out[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// ingestApply validates the batches and applies the snapshot, as a poll does.
func ingestApply(tb testing.TB, s *Store, rule *ingest.Rule, batches []*pb.Batch, at time.Time) ApplyStats {
	asm := ingest.NewAssembler(rule, at)
	for _, b := range batches {
		if err := asm.Add(b); err != nil {
			tb.Fatal(err)
		}
	}
	snap, rejected := asm.Snapshot()
	if len(rejected) > 0 {
		tb.Fatalf("rejected: %v", rejected[0])
	}
	st, err := s.ApplySnapshot(tb.Context(), pveLab, snap, at)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// BenchmarkUnchangedCycle5000Guests is one steady poll of a 20-node,
// 5,000-guest PVE cluster in the core: decode the wire batches, validate
// (ingest) and apply to the store, where only the metric samples differ
// from the last cycle. It reports the rows written (0: an unchanged cycle
// writes nothing) and the allocations of ingest+apply apart from decoding,
// per resource (well under 1: nothing is allocated per record beyond
// decoding; what remains is per cycle).
func BenchmarkUnchangedCycle5000Guests(b *testing.B) {
	const nodes, guests = 20, 5000
	rule := pveRule(b)
	s, err := Open(b.TempDir()+"/pulse.db", hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	at := time.Unix(1_800_000_000, 0)
	ingestApply(b, s, rule, decodeWire(b, pveWire(b, nodes, guests, 0)), at)
	wires := [][][]byte{pveWire(b, nodes, guests, 1), pveWire(b, nodes, guests, 2)}
	rows := s.rowsWritten
	var applyAllocs, decodeAllocs uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m0 := mallocs()
		batches := decodeWire(b, wires[i%2])
		m1 := mallocs()
		st := ingestApply(b, s, rule, batches, at.Add(time.Duration(i+1)*10*time.Second))
		m2 := mallocs()
		if st.Unchanged != nodes+guests {
			b.Fatalf("stats %+v", st)
		}
		decodeAllocs += m1 - m0
		applyAllocs += m2 - m1
	}
	n := float64(b.N)
	b.ReportMetric(float64(s.rowsWritten-rows)/n, "rows/op")
	b.ReportMetric(float64(decodeAllocs)/n, "decode-allocs/op")
	b.ReportMetric(float64(applyAllocs)/n, "ingest+apply-allocs/op")
	b.ReportMetric(float64(applyAllocs)/n/float64(nodes+guests), "ingest+apply-allocs/resource")
}

// TestUnchangedCycleAllocatesNothingPerRecord guards the steady state: once
// decoded, validating and applying a cycle in which only metric samples
// moved allocates a bounded number of times per cycle, not per record, and
// writes no row.
func TestUnchangedCycleAllocatesNothingPerRecord(t *testing.T) {
	const nodes, guests = 4, 1000
	rule := pveRule(t)
	s, err := Open(t.TempDir()+"/pulse.db", hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Unix(1_800_000_000, 0)
	ingestApply(t, s, rule, decodeWire(t, pveWire(t, nodes, guests, 0)), at)
	batches := decodeWire(t, pveWire(t, nodes, guests, 1))
	rows := s.rowsWritten
	i := 0
	allocs := testing.AllocsPerRun(5, func() {
		i++
		ingestApply(t, s, rule, batches, at.Add(time.Duration(i)*10*time.Second))
	})
	if allocs > (nodes+guests)/4 { // ~100 here (maps sized per cycle); one per record would be 1,000 more
		t.Fatalf("an unchanged cycle of %d resources allocated %.0f times after decoding; want well under one per resource", nodes+guests, allocs)
	}
	if n := s.rowsWritten - rows; n != 0 {
		t.Fatalf("unchanged cycles wrote %d rows", n)
	}
}

// BenchmarkFirstSync is the core's share of a first sync: decode the wire
// batches, validate them and apply them to an empty store (one SQLite
// transaction), at 1,000 and 10,000 guests on 40 hosts with 11 metrics
// each. It reports process CPU per resource, which stays flat (linear
// growth) from one size to the other.
func BenchmarkFirstSync(b *testing.B) {
	for _, guests := range []int{1000, 10000} {
		b.Run(fmt.Sprint(guests), func(b *testing.B) {
			const nodes = 40
			rule := pveRule(b)
			wire := pveWire(b, nodes, guests, 0)
			at := time.Unix(1_800_000_000, 0)
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				s, err := Open(b.TempDir()+"/pulse.db", hclog.NewNullLogger())
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				c0 := processCPU()
				b.StartTimer()
				st := ingestApply(b, s, rule, decodeWire(b, wire), at)
				b.StopTimer()
				cpu += processCPU() - c0
				if st.Upserted != nodes+guests {
					b.Fatalf("stats %+v", st)
				}
				_ = s.Close()
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(float64(cpu.Microseconds())/1000/n, "cpu-ms/op")
			b.ReportMetric(float64(cpu.Microseconds())/n/float64(nodes+guests), "cpu-us/resource")
		})
	}
}

// processCPU is this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
