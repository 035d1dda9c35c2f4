package apischema

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal([]byte(`{"type":"array","items":{"type":"object","properties":{
		"id":{"type":"string"},
		"n":{"type":"integer","optional":1,"minimum":0},
		"f":{"type":"number","optional":1},
		"b":{"type":"boolean","optional":1},
		"e":{"type":"string","enum":["a","b"],"optional":1},
		"p":{"type":"string","pattern":"[0-9a-f]{4}","optional":1},
		"o":{"type":"object","optional":1}}}}`), &schema); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, body string
		undeclared map[string]bool
		want       string // "" means valid
	}{
		{"valid", `{"data":[{"id":"x","n":3,"f":0.5,"b":1,"e":"a","p":"beef","o":{"any":1}}]}`, nil, ""},
		{"bool as true", `{"data":[{"id":"x","b":true}]}`, nil, ""},
		{"missing required", `{"data":[{"n":1}]}`, nil, `required property "id"`},
		{"wrong type", `{"data":[{"id":1}]}`, nil, "schema wants string"},
		{"float for integer", `{"data":[{"id":"x","n":1.5}]}`, nil, "not an integer"},
		{"below minimum", `{"data":[{"id":"x","n":-1}]}`, nil, "below minimum"},
		{"bad boolean", `{"data":[{"id":"x","b":2}]}`, nil, "not a boolean"},
		{"enum", `{"data":[{"id":"x","e":"c"}]}`, nil, "is not one of"},
		{"pattern", `{"data":[{"id":"x","p":"zz"}]}`, nil, "does not match"},
		{"undeclared", `{"data":[{"id":"x","extra":1}]}`, nil, `"extra" is not declared`},
		{"allowed undeclared", `{"data":[{"id":"x","extra":1}]}`, map[string]bool{"extra": true}, ""},
		{"not array", `{"data":{"id":"x"}}`, nil, "schema wants array"},
		{"no data", `{"x":1}`, nil, `no "data"`},
		{"truncated", `{"data":[{"id":"x"`, nil, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateBody(schema, []byte(tc.body), Options{Undeclared: tc.undeclared})
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Errorf("valid body rejected: %v", errs)
			case tc.want != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.want)):
				t.Errorf("errors %v, want one saying %q", errs, tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	d, err := Open("pve")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/cluster/resources":                "/cluster/resources",
		"/nodes/pve1/disks/list":            "/nodes/{node}/disks/list",
		"/nodes/pve1/qemu/100/snapshot":     "/nodes/{node}/qemu/{vmid}/snapshot",
		"/nodes/pve1/storage/local/content": "/nodes/{node}/storage/{storage}/content",
	} {
		if got, ok := d.Match(path); !ok || got != want {
			t.Errorf("Match(%s) = %q, want %q", path, got, want)
		}
	}
	if _, ok := d.Returns("GET", "/cluster/resources"); !ok {
		t.Error("no returns schema for GET /cluster/resources")
	}
}
