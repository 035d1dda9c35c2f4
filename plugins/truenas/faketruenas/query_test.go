package faketruenas

import (
	"encoding/json"
	"testing"
)

func TestQueryFiltersAndOptions(t *testing.T) {
	m := Generate(Spec{})
	raw := func(s string) []json.RawMessage {
		var p []json.RawMessage
		if err := json.Unmarshal([]byte(s), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	names := func(v any) []string {
		var out []string
		for _, r := range v.([]Row) {
			out = append(out, r["name"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		name, params string
		want         []string
		count        int
		bad          bool
	}{
		{"equals", `[[["name","=","plex"]]]`, []string{"plex"}, -1, false},
		{"not equals and in", `[[["name","!=","plex"],["state","in",["RUNNING","STOPPED"]]]]`, []string{"nextcloud", "home-assistant"}, -1, false},
		{"nin", `[[["state","nin",["RUNNING"]]]]`, []string{"home-assistant", "immich"}, -1, false},
		{"prefix and suffix", `[[["name","^","n"]]]`, []string{"nextcloud"}, -1, false},
		{"regex", `[[["name","~","^(plex|immich)$"]]]`, []string{"plex", "immich"}, -1, false},
		{"OR", `[[["OR",[["name","=","plex"],["state","=","CRASHED"]]]]]`, []string{"plex", "immich"}, -1, false},
		{"nested field", `[[["metadata.train","=","stable"],["active_workloads.containers",">",0]]]`, []string{"plex", "nextcloud", "immich"}, -1, false},
		{"order desc, limit, offset", `[[], {"order_by": ["-name"], "limit": 2, "offset": 1}]`, []string{"nextcloud", "immich"}, -1, false},
		{"count", `[[["state","=","RUNNING"]], {"count": true}]`, nil, 2, false},
		{"unknown operator", `[[["name","like","p%"]]]`, nil, -1, true},
		{"unknown option", `[[], {"sort": ["name"]}]`, nil, -1, true},
		{"three params", `[[], {}, {}]`, nil, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			filters, opts, err := parseQuery(raw(tc.params))
			if err != nil {
				if !tc.bad {
					t.Fatal(err)
				}
				return
			}
			out, rerr := applyQuery(m.Apps, filters, opts)
			if tc.bad {
				if rerr == nil {
					t.Fatalf("accepted: %v", out)
				}
				return
			}
			if rerr != nil {
				t.Fatal(rerr.Reason)
			}
			if tc.count >= 0 {
				if out != tc.count {
					t.Fatalf("count %v, want %d", out, tc.count)
				}
				return
			}
			got := names(out)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
	// get returns one object, or ENOENT.
	f, o, _ := parseQuery(raw(`[[["name","=","plex"]], {"get": true, "select": ["name", "active_workloads.containers"]}]`))
	out, rerr := applyQuery(m.Apps, f, o)
	r, ok := out.(Row)
	if rerr != nil || !ok || r["name"] != "plex" || len(r) != 2 || r["active_workloads"].(Row)["containers"] != 1 {
		t.Fatalf("get/select: %v %v", out, rerr)
	}
	f, o, _ = parseQuery(raw(`[[["name","=","nope"]], {"get": true}]`))
	if _, rerr := applyQuery(m.Apps, f, o); rerr == nil || rerr.ErrName != "ENOENT" {
		t.Fatalf("get of nothing: %v", rerr)
	}
}

func TestMethodVersions(t *testing.T) {
	for _, tc := range []struct {
		version, method string
		ok              bool
	}{
		{"25.04.2", "zfs.snapshot.query", true}, {"25.04.2", "pool.snapshot.query", false},
		{"25.10.1", "zfs.snapshot.query", false}, {"25.10.1", "pool.snapshot.query", true},
		{"26.04.0", "pool.snapshot.query", true}, {"25.10.1", "app.query", true},
	} {
		if got := methodInVersion(tc.method, tc.version); got != tc.ok {
			t.Errorf("%s on %s: %v", tc.method, tc.version, got)
		}
	}
}

// TestModelDates: every datetime the fake serves is extended JSON.
func TestModelDates(t *testing.T) {
	m := Generate(Spec{})
	b, _ := json.Marshal(m.Alerts[0]["datetime"])
	if string(b) != `{"$date":1796032800000}` {
		t.Errorf("alert datetime %s", b)
	}
	b, _ = json.Marshal(m.Pools[0]["scan"].(Row)["end_time"])
	if string(b)[:9] != `{"$date":` {
		t.Errorf("scan end_time %s", b)
	}
}
