// Package enginespec validates JSON against the Docker Engine API's
// published swagger (OpenAPI 2) definitions. The full description is large
// and lives outside the repository; the docker module commits an extract of
// the definitions its fake engine serves (testdata/engine-definitions.json,
// made by Extract) and tests validate the fake's responses against it.
//
// It speaks the parts of the dialect the engine's definitions use: type,
// properties, additionalProperties, items, $ref, allOf, enum and
// x-nullable. A property the definition does not name is an error, so the
// fake cannot drift into fields the engine never sends.
package enginespec

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Spec is a set of swagger definitions by name.
type Spec struct {
	Version     string                    `json:"version"`
	Definitions map[string]map[string]any `json:"definitions"`
}

// Load reads an extract written by Extract.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("engine definitions: %w", err)
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("engine definitions %s: %w", path, err)
	}
	return &s, nil
}

// Extract reads the full swagger YAML and keeps the named definitions and
// every definition they reference.
func Extract(swaggerYAML []byte, roots []string) (*Spec, error) {
	var doc struct {
		Info struct {
			Version string `yaml:"version"`
		} `yaml:"info"`
		Definitions map[string]any `yaml:"definitions"`
	}
	if err := yaml.Unmarshal(swaggerYAML, &doc); err != nil {
		return nil, fmt.Errorf("parse swagger: %w", err)
	}
	out := &Spec{Version: doc.Info.Version, Definitions: map[string]map[string]any{}}
	var visit func(name string) error
	visit = func(name string) error {
		if _, ok := out.Definitions[name]; ok {
			return nil
		}
		d, ok := doc.Definitions[name].(map[string]any)
		if !ok {
			return fmt.Errorf("definition %q is not in the swagger", name)
		}
		d = strip(d).(map[string]any)
		out.Definitions[name] = d
		for _, r := range refs(d, nil) {
			if err := visit(r); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := visit(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// strip keeps the validating keywords only (no descriptions or examples).
func strip(v any) any {
	switch t := v.(type) {
	case map[string]any:
		o := map[string]any{}
		for k, x := range t {
			switch k {
			case "description", "example", "x-go-name", "title":
				continue
			case "properties":
				props := map[string]any{}
				for pk, pv := range x.(map[string]any) {
					props[pk] = strip(pv)
				}
				o[k] = props
			default:
				o[k] = strip(x)
			}
		}
		return o
	case []any:
		o := make([]any, len(t))
		for i, x := range t {
			o[i] = strip(x)
		}
		return o
	default:
		return v
	}
}

func refs(v any, acc []string) []string {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == "$ref" {
				if s, ok := x.(string); ok {
					acc = append(acc, strings.TrimPrefix(s, "#/definitions/"))
				}
				continue
			}
			acc = refs(x, acc)
		}
	case []any:
		for _, x := range t {
			acc = refs(x, acc)
		}
	}
	return acc
}

// Validate checks a JSON document against the named definition and
// returns every violation found.
func (s *Spec) Validate(def string, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	d, ok := s.Definitions[def]
	if !ok {
		return fmt.Errorf("definition %q is not in the extract", def)
	}
	var errs []string
	s.check(d, v, def, &errs)
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%d violation(s) of %s: %s", len(errs), def, strings.Join(errs, "; "))
	}
	return nil
}

func (s *Spec) check(schema map[string]any, v any, at string, errs *[]string) {
	bad := func(f string, a ...any) { *errs = append(*errs, at+": "+fmt.Sprintf(f, a...)) }
	if r, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/definitions/")
		d, ok := s.Definitions[name]
		if !ok {
			bad("unknown definition %s", name)
			return
		}
		s.check(d, v, at, errs)
		return
	}
	if v == nil {
		if n, _ := schema["x-nullable"].(bool); n {
			return
		}
		if _, typed := schema["type"]; typed {
			bad("null where the schema wants %v", schema["type"])
		}
		return
	}
	if all, ok := schema["allOf"].([]any); ok {
		// Merge the parts' properties, then check once.
		merged := map[string]any{"type": "object", "properties": map[string]any{}}
		for _, p := range all {
			pm, _ := p.(map[string]any)
			if r, ok := pm["$ref"].(string); ok {
				pm = s.Definitions[strings.TrimPrefix(r, "#/definitions/")]
			}
			if props, ok := pm["properties"].(map[string]any); ok {
				for k, x := range props {
					merged["properties"].(map[string]any)[k] = x
				}
			}
		}
		s.check(merged, v, at, errs)
		return
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				found = true
			}
		}
		if !found {
			bad("%v is not one of %v", v, enum)
		}
	}
	typ, _ := schema["type"].(string)
	switch typ {
	case "string":
		if _, ok := v.(string); !ok {
			bad("want a string, got %T", v)
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			bad("want an integer, got %v", v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			bad("want a number, got %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			return
		}
		items, _ := schema["items"].(map[string]any)
		for i, x := range a {
			if items != nil {
				s.check(items, x, fmt.Sprintf("%s[%d]", at, i), errs)
			}
		}
	case "object", "":
		o, ok := v.(map[string]any)
		if !ok {
			if typ == "object" {
				bad("want an object, got %T", v)
			}
			return
		}
		props, _ := schema["properties"].(map[string]any)
		extra := schema["additionalProperties"]
		for k, x := range o {
			if p, ok := props[k].(map[string]any); ok {
				s.check(p, x, at+"."+k, errs)
				continue
			}
			switch e := extra.(type) {
			case map[string]any:
				s.check(e, x, at+"."+k, errs)
			case bool:
				if !e {
					bad("property %q is not allowed", k)
				}
			default:
				if props != nil {
					bad("property %q is not in the definition", k)
				}
			}
		}
	}
}
