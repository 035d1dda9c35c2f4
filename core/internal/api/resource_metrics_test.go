package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// estateStore holds n VMs with 8 metrics each (3 counters) and an alert.
func estateStore(t testing.TB, n int) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "pulse.db"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Unix(1_800_000_000, 0)
	var snap resource.Snapshot
	for i := range n {
		id := fmt.Sprint(100 + i)
		snap.Resources = append(snap.Resources, resource.Observation{Type: "vm", NativeID: id, Name: fmt.Sprintf("vm-%05d \"q\"", i), Status: "running"})
		for j, name := range []string{"cpu_usage_ratio", "memory_used_bytes", "memory_total_bytes", "memory_usage_ratio", "uptime_seconds", "disk_read_bytes_total", "network_receive_bytes_total", "network_transmit_bytes_total"} {
			snap.Metrics = append(snap.Metrics, resource.Metric{Resource: id, Name: name, Value: float64(i*8 + j), Time: at})
		}
	}
	snap.Alerts = []resource.Alert{{ID: "ha:100", Resource: "100", Severity: "critical", Kind: "ha-error", Message: "HA", Started: at}}
	if _, err := st.ApplySnapshot(context.Background(), resource.SourceRef{Platform: "proxmox-pve", Connection: "lab\\1"}, snap, at); err != nil {
		t.Fatal(err)
	}
	return st
}

func scrape(t testing.TB, st *store.Store) string {
	rec := httptest.NewRecorder()
	New(st, fakeHost{}, hclog.NewNullLogger(), "test").Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestResourceMetricsExposition(t *testing.T) {
	st := estateStore(t, 3)
	body := scrape(t, st)
	vm := st.Resources(store.Filter{})[0]
	lbl := fmt.Sprintf(`id=%q,type="vm",platform="proxmox-pve",connection="lab\\1",name="vm-00000 \"q\""`, vm.ID)
	for _, want := range []string{
		"# TYPE pulse_resource_cpu_usage_ratio gauge",
		"# HELP pulse_resource_cpu_usage_ratio CPU busy time",
		"# TYPE pulse_resource_disk_read_bytes_total counter",
		"pulse_resource_cpu_usage_ratio{" + lbl + "} 0\n",
		"pulse_resource_network_transmit_bytes_total{" + lbl + "} 7\n",
		"pulse_resource_up{" + lbl + "} 1\n",
		"pulse_resource_status{" + lbl + `,status="running"} 1`,
		`pulse_alert_firing{alert=`,
		`severity="critical",kind="ha-error"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// Each family appears once, contiguously.
	seen := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "# TYPE ") {
			name := strings.Fields(line)[2]
			if seen[name] {
				t.Errorf("family %s declared twice", name)
			}
			seen[name] = true
		}
	}
}

// TestMetricsPassPromtool lints the whole exposition with promtool (Debian's
// prometheus package; .ci/run installs it).
func TestMetricsPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install prometheus; .ci/run does); skipping the /metrics lint")
	}
	body := scrape(t, estateStore(t, 5))
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || strings.TrimSpace(out.String()) != "" {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
	// promtool does catch problems: a counter without _total fails.
	cmd = exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader("# HELP x_bytes x.\n# TYPE x_bytes counter\nx_bytes 1\n")
	if err := cmd.Run(); err == nil {
		t.Error("promtool accepted a counter without _total; the lint is not working")
	}
}

// countingWriter is a ResponseWriter that only counts, as a scraper's
// socket costs the server nothing more than the write.
type countingWriter struct {
	h http.Header
	n int
}

func (c *countingWriter) Header() http.Header         { return c.h }
func (c *countingWriter) WriteHeader(int)             {}
func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// BenchmarkScrape10k: one /metrics scrape with 10,000 resources × 8 metrics.
func BenchmarkScrape10k(b *testing.B) {
	st := estateStore(b, 10000)
	h := New(st, fakeHost{}, hclog.NewNullLogger(), "test").Handler()
	req := httptest.NewRequest("GET", "/metrics", nil)
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		cw := &countingWriter{h: http.Header{}}
		h.ServeHTTP(cw, req)
		size = cw.n
	}
	b.ReportMetric(float64(size)/(1<<20), "MB/scrape")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/scrape")
}

// BenchmarkResourcesPage10k: one page of 50 of 10,000 resources, filtered by
// a search and sorted by name, as the dashboard's table asks for it.
func BenchmarkResourcesPage10k(b *testing.B) {
	st := estateStore(b, 10000)
	h := New(st, fakeHost{}, hclog.NewNullLogger(), "test").Handler()
	req := httptest.NewRequest("GET", "/api/v1/resources?limit=50&sort=-name&q=vm-0", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		cw := &countingWriter{h: http.Header{}}
		h.ServeHTTP(cw, req)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
}
