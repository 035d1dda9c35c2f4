package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/pulsehost/pulse/core/internal/alerting"
	"github.com/pulsehost/pulse/core/internal/config"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/api"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/history"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/internal/web"
	"github.com/pulsehost/pulse/core/resource"
)

type labHost struct{}

func (labHost) Connections() []pluginhost.ConnStatus {
	now := time.Now()
	return []pluginhost.ConnStatus{
		{Platform: "proxmox-pve", Name: "pve-a", State: pluginhost.StateOK, LastPoll: &now, Resources: 11},
		{Platform: "proxmox-pve", Name: "pve-b", State: pluginhost.StateOK, LastPoll: &now, Resources: 11},
		{Platform: "vmware-vsphere", Name: "vcenter", State: pluginhost.StateOK, LastPoll: &now, Resources: 3},
	}
}
func (labHost) Plugins() []pluginhost.PluginStatus { return nil }

// testCore is a core with records: two PVE connections of 10 VMs and a node
// each, a vCenter with 3 VMs, an alert, and 5 minutes of history of one VM.
// Its alerts API is the real alerts engine's (alerts).
type testCore struct {
	URL    string
	VM     string
	Alert  string
	alerts *alerting.Runner
}

func newTestCore(t testing.TB) *testCore {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "pulse.db"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := database.Open(filepath.Join(dir, "pulse.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := history.Open(context.Background(), db, nil, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	feed := api.NewFeed()
	st.Observe(func(c store.Change) { h.Record(c.Metrics); feed.Publish(c) })
	now := time.Now()
	ctx := context.Background()
	for _, conn := range []string{"pve-a", "pve-b"} {
		snap := resource.Snapshot{Resources: []resource.Observation{{Type: "agent", NativeID: "node/" + conn, Name: conn + "-node", Status: "online"}}}
		for i := range 10 {
			snap.Resources = append(snap.Resources, resource.Observation{Type: "vm", NativeID: fmt.Sprint(100 + i), Name: fmt.Sprintf("%s-vm%02d", conn, i), Status: "running"})
			snap.Links = append(snap.Links, resource.Link{From: fmt.Sprint(100 + i), Kind: "runs-on", To: "node/" + conn})
		}
		if conn == "pve-a" {
			snap.Alerts = []resource.Alert{{ID: "ha:100", Resource: "100", Severity: "critical", Kind: "ha-error", Message: "HA error on pve-a-vm00", Started: now.Add(-time.Hour)}}
		}
		if _, err := st.ApplySnapshot(ctx, resource.SourceRef{Platform: "proxmox-pve", Connection: conn}, snap, now.Add(-5*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	vs := resource.Snapshot{}
	for i := range 3 {
		vs.Resources = append(vs.Resources, resource.Observation{Type: "vm", NativeID: fmt.Sprintf("vm-%d", i), Name: fmt.Sprintf("vc-vm%d", i), Status: "running"})
	}
	if _, err := st.ApplySnapshot(ctx, resource.SourceRef{Platform: "vmware-vsphere", Connection: "vcenter"}, vs, now.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	src := resource.SourceRef{Platform: "proxmox-pve", Connection: "pve-a"}
	for i := range 30 {
		at := now.Add(time.Duration(i-30) * 10 * time.Second)
		if _, err := st.ApplyDelta(ctx, src, resource.Delta{Metrics: []resource.Metric{
			{Resource: "100", Name: "cpu_usage_ratio", Value: 0.2 + 0.1*float64(i%5), Time: at},
			{Resource: "100", Name: "network_receive_bytes_total", Value: float64(i) * 125000, Time: at},
		}}, at); err != nil {
			t.Fatal(err)
		}
	}
	tc := &testCore{}
	tc.VM = st.Resources(store.Filter{Type: "vm", Connection: "pve-a"})[0].ID
	// The alerts engine serves the alerts API, as in the daemon.
	ar, err := alerting.Open(ctx, filepath.Join(dir, "pulse.db"), &config.Config{Alerts: config.DefaultAlertSettings}, st, labHost{}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ar.Close() })
	if err := ar.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range ar.Engine.Active() {
		if a.Kind == "ha-error" {
			tc.Alert = a.ID
		}
	}
	if tc.Alert == "" {
		t.Fatalf("the engine does not show the HA alert: %+v", ar.Engine.Active())
	}
	tc.alerts = ar
	srv := api.New(st, labHost{}, hclog.NewNullLogger(), "test").WithHistory(h).WithFeed(feed).WithUI(web.Handler())
	srv.Mount(ar.Routes())
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		feed.Close() // end the page's live feed so Close need not wait for it
		hs.Close()
	})
	tc.URL = hs.URL
	return tc
}

// chromium finds Debian's chromium, or skips.
func chromium(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium; .ci/run does); skipping the dashboard's browser test")
	return ""
}

func newBrowser(t testing.TB, width, height int, dark bool) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.Flag("headless", "new"),
		chromedp.WindowSize(width, height),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// Start the browser without a timeout (a timeout on the first run
	// would bound the browser's life), then bound the test.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if dark {
		err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
			})
			return err
		}))
		if err != nil {
			t.Fatalf("emulate dark mode: %v", err)
		}
	}
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// waitText waits until the element's trimmed text is want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`(document.querySelector(%q)?.textContent || '').trim() === %q`, sel, want))
}

// until waits until the JavaScript expression is true (at most 20 s).
func until(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))(ctx, t)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", expr, err)
		}
		return nil
	})
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.innerText || ''`, sel)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDashboardInBrowser(t *testing.T) {
	tc := newTestCore(t)
	ctx := newBrowser(t, 1280, 900, false)

	t.Run("overview counts", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(tc.URL+"/"),
			waitText(`[data-testid="count-total"]`, "25"),
			waitText(`[data-testid="count-type-vm"]`, "23"),
			waitText(`[data-testid="count-type-agent"]`, "2"),
			waitText(`[data-testid="count-platform-vmware-vsphere"]`, "3"),
			waitText(`[data-testid="count-alerts"]`, "1"),
			waitText(`[data-testid="count-connections"]`, "3"),
		)
		if err != nil {
			t.Fatal(err)
		}
		matrix, main := text(ctx, t, `[data-testid="support-matrix"]`), text(ctx, t, "main")
		if !strings.Contains(matrix, "vmware-vsphere") || !strings.Contains(matrix, "admitted, not supported") {
			t.Errorf("support matrix does not show vSphere as admitted:\n%s", matrix)
		}
		// Every place vSphere appears carries the label: connections, counts, matrix.
		if n, l := strings.Count(main, "vmware-vsphere"), strings.Count(main, "admitted, not supported"); n < 3 || l < n {
			t.Errorf("vmware-vsphere appears %d times but is labelled admitted %d times", n, l)
		}
	})

	t.Run("filter narrows the table", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(tc.URL+"/resources"),
			waitText(`[data-testid="resource-total"]`, "25"),
			chromedp.SetValue(chromedp.CSS(`select[name="type"]`), "agent"),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := chromedp.Evaluate[bool](`document.querySelector('select[name="type"]').dispatchEvent(new Event('change', {bubbles: true}))`)(ctx, t)
				return err
			}),
			waitText(`[data-testid="resource-total"]`, "2"),
			until(`document.querySelectorAll('[data-testid="resource-row"]').length === 2`),
			chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "pve-b"),
			waitText(`[data-testid="resource-total"]`, "1"),
		)
		if err != nil {
			t.Fatal(err)
		}
		if body := text(ctx, t, `[data-testid="resource-table"] tbody`); !strings.Contains(body, "pve-b-node") {
			t.Errorf("search within the filter shows %q", body)
		}
	})

	t.Run("resource page draws a chart", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(tc.URL+"/resources/"+tc.VM),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="chart-cpu_usage_ratio"] canvas`)),
			until(`Number(document.querySelector('[data-testid="chart-cpu_usage_ratio"]').dataset.points) > 10`),
			until(`document.querySelectorAll('figure.chart canvas').length === 2`),
			// Relationships are links named by their target.
			until(`[...document.querySelectorAll('main a')].some(a => a.textContent === 'pve-a-node' && a.getAttribute('href').startsWith('/resources/'))`),
			// Another range re-queries; 6h comes from the 1-minute tier.
			chromedp.Click(chromedp.Search(`//button[text()="6h"]`)),
			until(`document.querySelector('[data-testid="chart-cpu_usage_ratio"] figcaption').textContent.includes('1m tier')`),
			// The counter is charted as its rate.
			until(`document.querySelector('[data-testid="chart-network_receive_bytes_total"] figcaption').textContent.includes('rate per second')`),
		)
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("acknowledge an alert", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(tc.URL+"/alerts"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="ack"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="ack"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="ack-status"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		acked := false
		for _, a := range tc.alerts.Engine.Active() {
			if a.ID == tc.Alert && a.Ack != nil && a.Ack.By == "dashboard" {
				acked = true
			}
		}
		if !acked {
			t.Errorf("the HA alert %s is not acknowledged by the dashboard in the engine: %+v", tc.Alert, tc.alerts.Engine.Active())
		}
	})
}

// TestScreenshots writes docs/screenshots/*.png when PULSE_SCREENSHOTS is
// set (PULSE_SCREENSHOTS=1 go test -run Screenshots ./core/internal/web/):
// of a test core, or of a running core (the lab) when PULSE_SCREENSHOTS is
// its URL; the resource page is then the first VM's that has a CPU metric.
func TestScreenshots(t *testing.T) {
	target := os.Getenv("PULSE_SCREENSHOTS")
	if target == "" {
		t.Skip("set PULSE_SCREENSHOTS=1 (a test core) or PULSE_SCREENSHOTS=http://127.0.0.1:7655 (the lab) to refresh docs/screenshots")
	}
	var tc *testCore
	prefix := ""
	if strings.HasPrefix(target, "http") {
		prefix = "lab-"
		getJSON := func(path string, v any) {
			resp, err := http.Get(target + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatal(err)
			}
		}
		var list struct {
			Resources []resource.Resource `json:"resources"`
		}
		getJSON("/api/v1/resources?type=vm&limit=50&sort=name", &list)
		for _, r := range list.Resources {
			var d struct {
				Metrics []resource.Metric `json:"metrics"`
			}
			getJSON("/api/v1/resources/"+r.ID, &d)
			for _, m := range d.Metrics {
				if m.Name == "cpu_usage_ratio" && tc == nil {
					tc = &testCore{URL: target, VM: r.ID}
				}
			}
		}
		if tc == nil {
			t.Fatalf("no VM with cpu_usage_ratio at %s", target)
		}
	} else {
		tc = newTestCore(t)
	}
	out := filepath.Join("..", "..", "..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dark := range []bool{false, true} {
		ctx := newBrowser(t, 1400, 1000, dark)
		suffix := ""
		if dark {
			suffix = "-dark"
		}
		for _, shot := range []struct{ name, path, wait string }{
			{"overview", "/", `[data-testid="support-matrix"]`},
			{"resource", "/resources/" + tc.VM, `[data-testid="chart-cpu_usage_ratio"] canvas`},
		} {
			err := chromedp.Do(ctx,
				chromedp.Navigate(tc.URL+shot.path),
				chromedp.WaitVisible(chromedp.CSS(shot.wait)),
				chromedp.Sleep(500*time.Millisecond),
			)
			if err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, prefix+shot.name+suffix+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
