package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/history"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
)

// newFullServer is a core with history and the live feed over n VMs of two
// connections and a node.
func newFullServer(t *testing.T, n int) (*httptest.Server, *store.Store, *history.History) {
	t.Helper()
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
	h, err := history.Open(t.Context(), db, nil, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	feed := NewFeed()
	st.Observe(func(c store.Change) { h.Record(c.Metrics); feed.Publish(c) })
	for _, conn := range []string{"a", "b"} {
		var snap resource.Snapshot
		for i := range n {
			status := resource.StatusRunning
			if i%3 == 0 {
				status = resource.StatusStopped
			}
			snap.Resources = append(snap.Resources, resource.Observation{Type: "vm", NativeID: fmt.Sprint(i), Name: fmt.Sprintf("%s-vm-%03d", conn, i), Status: status})
		}
		snap.Resources = append(snap.Resources, resource.Observation{Type: "agent", NativeID: "node/" + conn, Name: "node-" + conn, Status: "online"})
		if _, err := st.ApplySnapshot(t.Context(), resource.SourceRef{Platform: "proxmox-pve", Connection: conn}, snap, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(New(st, fakeHost{}, hclog.NewNullLogger(), "test").WithHistory(h).WithFeed(feed).
		WithUI(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>ui</html>") })).Handler())
	t.Cleanup(srv.Close)
	return srv, st, h
}

type listResp struct {
	Count      int                 `json:"count"`
	Total      int                 `json:"total"`
	Resources  []resource.Resource `json:"resources"`
	NextCursor string              `json:"next_cursor"`
}

func getList(t *testing.T, url string) listResp {
	t.Helper()
	code, body := get(t, url)
	if code != 200 {
		t.Fatalf("%s: %d %s", url, code, body)
	}
	var l listResp
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPagingIsStableAndComplete(t *testing.T) {
	srv, _, _ := newFullServer(t, 25)
	for _, sort := range []string{"type", "name", "-name", "status", "-last_seen"} {
		seen := map[string]bool{}
		var names []string
		cur := ""
		for pages := 0; ; pages++ {
			l := getList(t, srv.URL+"/api/v1/resources?limit=7&sort="+sort+"&cursor="+cur)
			if l.Total != 52 || l.Count > 7 {
				t.Fatalf("sort %s: total %d count %d", sort, l.Total, l.Count)
			}
			for _, r := range l.Resources {
				if seen[r.ID] {
					t.Fatalf("sort %s: %s twice", sort, r.ID)
				}
				seen[r.ID] = true
				names = append(names, r.Name)
			}
			if l.NextCursor == "" {
				break
			}
			cur = l.NextCursor
		}
		if len(seen) != 52 {
			t.Errorf("sort %s: paged through %d resources, want 52", sort, len(seen))
		}
		if sort == "name" && (names[0] != "a-vm-000" || names[51] != "node-b") {
			t.Errorf("sort name: first %s last %s", names[0], names[51])
		}
		if sort == "-name" && names[0] != "node-b" {
			t.Errorf("sort -name: first %s", names[0])
		}
	}
}

func TestFiltersAnyOfAndSearch(t *testing.T) {
	srv, _, _ := newFullServer(t, 9)
	tests := []struct {
		query string
		want  int
	}{
		{"type=vm", 18},
		{"type=vm&type=agent", 20},
		{"type=vm,agent", 20},
		{"connection=a", 10},
		{"connection=a&connection=b", 20},
		{"status=stopped", 6},
		{"status=stopped&status=online", 8},
		{"q=VM-00", 18},
		{"q=a-vm-00&type=vm", 9},
		{"q=node&connection=b", 1},
	}
	for _, tt := range tests {
		if l := getList(t, srv.URL+"/api/v1/resources?"+tt.query); l.Total != tt.want {
			t.Errorf("%s: %d resources, want %d", tt.query, l.Total, tt.want)
		}
	}
	for _, bad := range []string{"status=sleepy", "sort=colour", "limit=0", "cursor=xyz"} {
		if code, body := get(t, srv.URL+"/api/v1/resources?"+bad); code != 400 {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	// A cursor is tied to its sort.
	l := getList(t, srv.URL+"/api/v1/resources?limit=2&sort=name")
	if code, body := get(t, srv.URL+"/api/v1/resources?sort=status&cursor="+l.NextCursor); code != 400 || !strings.Contains(body, "keep the sort") {
		t.Errorf("cursor of another sort: %d %s", code, body)
	}
}

func TestMethodNotAllowedAndUI(t *testing.T) {
	srv, _, _ := newFullServer(t, 1)
	for _, tt := range []struct {
		method, path string
		status       int
		allow, body  string
	}{
		{"POST", "/api/v1/resources", 405, "GET, HEAD", "use GET"},
		{"DELETE", "/healthz", 405, "GET, HEAD", ""},
		{"OPTIONS", "/api/v1/alerts", 204, "GET, HEAD", ""},
		{"POST", "/api/v2/things", 404, "", "the API lives under /api/v1/"},
		{"GET", "/api/v2/things", 404, "", "the API lives under /api/v1/"},
		{"GET", "/", 200, "", "<html>ui</html>"},
		{"GET", "/api/v1/vocabulary", 200, "", `"name": "disk_read_bytes_total"`},
		{"GET", "/resources/vm-1", 200, "", "<html>ui</html>"},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		bufio.NewReader(resp.Body).WriteTo(b)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Allow") != tt.allow || !strings.Contains(b.String(), tt.body) {
			t.Errorf("%s %s: %d Allow=%q %s; want %d Allow=%q containing %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), b, tt.status, tt.allow, tt.body)
		}
	}
}

func TestHistoryEndpoint(t *testing.T) {
	srv, st, h := newFullServer(t, 1)
	vm := st.Resources(store.Filter{Type: "vm", Connection: "a"})[0]
	src := resource.SourceRef{Platform: "proxmox-pve", Connection: "a"}
	now := time.Now()
	for i := range 30 {
		at := now.Add(time.Duration(i-30) * 10 * time.Second)
		_, err := st.ApplyDelta(t.Context(), src, resource.Delta{Metrics: []resource.Metric{
			{Resource: "0", Name: "cpu_usage_ratio", Value: float64(i) / 100, Time: at},
			{Resource: "0", Name: "network_receive_bytes_total", Value: float64(i) * 1000, Time: at},
		}}, at)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	var res history.Result
	code, body := get(t, srv.URL+"/api/v1/resources/"+vm.ID+"/history?metric=cpu_usage_ratio&range=1h&points=10")
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil {
		t.Fatalf("%d %s", code, body)
	}
	if res.Tier != "raw" || len(res.Points) == 0 || len(res.Points) > 10 || res.Unit != "ratio" {
		t.Errorf("tier %s, %d points, unit %s", res.Tier, len(res.Points), res.Unit)
	}
	code, body = get(t, srv.URL+"/api/v1/resources/"+vm.ID+"/history?metric=network_receive_bytes_total&range=6h")
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || res.Kind != "rate" || res.Tier != "1m" || len(res.Points) == 0 {
		t.Errorf("counter: %d %s", code, body)
	}
	if len(res.Points) > 0 && (res.Points[0].Avg < 99 || res.Points[0].Avg > 101) {
		t.Errorf("rate %v, want 100 B/s", res.Points[0].Avg)
	}
	for _, bad := range []struct {
		q    string
		code int
	}{
		{"metric=cpu", 400}, {"metric=cpu_usage_ratio&range=2w", 400}, {"metric=cpu_usage_ratio&points=1", 400},
	} {
		if code, body := get(t, srv.URL+"/api/v1/resources/"+vm.ID+"/history?"+bad.q); code != bad.code {
			t.Errorf("%s: %d %s", bad.q, code, body)
		}
	}
	if code, _ := get(t, srv.URL+"/api/v1/resources/nope/history?metric=cpu_usage_ratio"); code != 404 {
		t.Errorf("unknown resource: %d", code)
	}
}

func TestEventFeed(t *testing.T) {
	srv, st, _ := newFullServer(t, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	line, _ := r.ReadString('\n')
	for !strings.HasPrefix(line, "event: hello") {
		line, _ = r.ReadString('\n')
	}
	go st.ApplyDelta(context.Background(), resource.SourceRef{Platform: "proxmox-pve", Connection: "b"},
		resource.Delta{Upserts: []resource.Observation{{Type: "vm", NativeID: "77", Name: "new-vm", Status: "running"}}}, time.Now())
	for {
		line, err = r.ReadString('\n')
		if err != nil {
			t.Fatalf("no change event: %v", err)
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"connection":"b"`) {
			if !strings.Contains(line, `"resource_count":1`) {
				t.Errorf("event %s", line)
			}
			return
		}
	}
}
