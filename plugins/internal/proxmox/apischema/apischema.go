// Package apischema loads the official Proxmox API descriptions (VE, Backup
// Server and Mail Gateway: the API viewer's data as JSON) and validates JSON
// responses against the "returns" schema of the endpoint that served them.
// The fakes of the three Proxmox adapters are tested against it.
//
// The full descriptions are large and live outside the repository
// (../shared/api-schemas); each adapter commits a generated extract of the
// endpoints it uses under plugins/proxmox-<product>/testdata/apischema/, made
// by Extract (see cmd/apischema-extract and `make schemas`), and tests load
// that extract with Open.
// It speaks the schema dialect Proxmox uses: type (string, integer, number,
// boolean as 0/1 or true/false, array, object, null, any), optional,
// properties, items, enum, minimum, maximum, pattern, minLength, maxLength,
// additionalProperties and oneOf.
package apischema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Doc is a loaded API description: every endpoint path with its methods.
type Doc struct {
	endpoints map[string]map[string]map[string]any // path -> method -> info
}

type node struct {
	Path     string                    `json:"path"`
	Info     map[string]map[string]any `json:"info"`
	Children []node                    `json:"children,omitempty"`
}

// Load reads an apidoc JSON file: a full description or an extract.
func Load(path string) (*Doc, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read api description: %w", err)
	}
	d, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Parse parses an apidoc document: a full description or an extract.
func Parse(raw []byte) (*Doc, error) {
	var roots []node
	if err := json.Unmarshal(raw, &roots); err != nil {
		return nil, fmt.Errorf("parse api description: %w", err)
	}
	d := &Doc{endpoints: map[string]map[string]map[string]any{}}
	var walk func(n node)
	walk = func(n node) {
		if n.Path != "" && len(n.Info) > 0 {
			d.endpoints[n.Path] = n.Info
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return d, nil
}

// RepoRoot finds the repository root, the directory holding go.mod, walking
// up from dir.
func RepoRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("no go.mod above " + dir)
		}
		d = parent
	}
}

// Has reports whether the description documents method on the path template.
func (d *Doc) Has(method, template string) bool {
	_, ok := d.endpoints[template][method]
	return ok
}

// Returns is the returns schema of method on the path template.
func (d *Doc) Returns(method, template string) (map[string]any, bool) {
	info, ok := d.endpoints[template][method]
	if !ok {
		return nil, false
	}
	r, _ := info["returns"].(map[string]any)
	return r, r != nil
}

// Permissions is the documented permission check of method on template.
func (d *Doc) Permissions(method, template string) any {
	return d.endpoints[template][method]["permissions"]
}

// Match finds the path template a concrete API path (without /api2/json and
// query) belongs to; literal segments win over {parameters}.
func (d *Doc) Match(path string) (string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestScore := "", -1
	for tpl := range d.endpoints {
		ts := strings.Split(strings.Trim(tpl, "/"), "/")
		if len(ts) != len(segs) {
			continue
		}
		score := 0
		ok := true
		for i, t := range ts {
			switch {
			case t == segs[i]:
				score++
			case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && score > bestScore {
			best, bestScore = tpl, score
		}
	}
	return best, bestScore >= 0
}

// Options tune validation.
type Options struct {
	// Undeclared names properties the real API returns although the schema
	// does not declare them; they are allowed at any depth. Every other
	// undeclared property of an object with declared properties is an error.
	Undeclared map[string]bool
}

// ValidateBody checks a whole response body {"data": ...} against schema.
func ValidateBody(schema map[string]any, body []byte, o Options) []error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var env map[string]any
	if err := dec.Decode(&env); err != nil {
		return []error{fmt.Errorf("body is not a JSON object: %w", err)}
	}
	data, ok := env["data"]
	if !ok {
		return []error{errors.New(`body has no "data" member`)}
	}
	var errs []error
	validate(schema, data, "data", o, &errs)
	return errs
}

func validate(s map[string]any, v any, at string, o Options, errs *[]error) {
	fail := func(format string, a ...any) {
		*errs = append(*errs, fmt.Errorf("%s: "+format, append([]any{at}, a...)...))
	}
	if alts, ok := s["oneOf"].([]any); ok && len(alts) > 0 {
		for _, alt := range alts {
			var sub []error
			if m, ok := alt.(map[string]any); ok {
				validate(m, v, at, o, &sub)
				if len(sub) == 0 {
					return
				}
			}
		}
		fail("matches none of the oneOf alternatives")
		return
	}
	typ, _ := s["type"].(string)
	if v == nil {
		if typ != "null" && typ != "any" && typ != "" {
			fail("is null, schema wants %s", typ)
		}
		return
	}
	switch typ {
	case "", "any":
	case "null":
		fail("is %T, schema wants null", v)
		return
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("is %s, schema wants string", kind(v))
			return
		}
		if p, ok := s["pattern"].(string); ok {
			// PBS writes its (Rust) patterns between slashes: /^...$/.
			if len(p) >= 2 && p[0] == '/' && p[len(p)-1] == '/' {
				p = p[1 : len(p)-1]
			}
			if re, err := regexp.Compile("^(?:" + p + ")$"); err == nil && !re.MatchString(str) {
				fail("%q does not match pattern %s", str, p)
			}
		}
		if n, ok := num(s["maxLength"]); ok && float64(len(str)) > n {
			fail("longer than maxLength %v", n)
		}
		if n, ok := num(s["minLength"]); ok && float64(len(str)) < n {
			fail("shorter than minLength %v", n)
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			fail("is %s, schema wants integer", kind(v))
			return
		}
		if _, err := n.Int64(); err != nil {
			fail("%s is not an integer", n)
			return
		}
		bounds(s, n, fail)
	case "number":
		n, ok := v.(json.Number)
		if !ok {
			fail("is %s, schema wants number", kind(v))
			return
		}
		bounds(s, n, fail)
	case "boolean":
		switch b := v.(type) {
		case bool:
		case json.Number:
			if b != "0" && b != "1" {
				fail("%s is not a boolean (0, 1, true, false)", b)
			}
		default:
			fail("is %s, schema wants boolean", kind(v))
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("is %s, schema wants array", kind(v))
			return
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range arr {
				validate(items, e, fmt.Sprintf("%s[%d]", at, i), o, errs)
			}
		}
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("is %s, schema wants object", kind(v))
			return
		}
		props, _ := s["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ps, _ := props[name].(map[string]any)
			val, present := obj[name]
			if !present {
				if !optional(ps) {
					fail("required property %q is missing", name)
				}
				continue
			}
			validate(ps, val, at+"."+name, o, errs)
		}
		if len(props) == 0 {
			return // free-form object
		}
		extra := s["additionalProperties"]
		for name, val := range obj {
			if _, declared := props[name]; declared {
				continue
			}
			switch ap := extra.(type) {
			case map[string]any:
				validate(ap, val, at+"."+name, o, errs)
				continue
			case json.Number, float64, bool:
				if truthy(ap) {
					continue
				}
			}
			if !o.Undeclared[name] {
				fail("property %q is not declared by the schema", name)
			}
		}
	default:
		fail("schema type %q is not understood", typ)
	}
	if enum, ok := s["enum"].([]any); ok {
		str := fmt.Sprint(v)
		for _, e := range enum {
			if fmt.Sprint(e) == str {
				return
			}
		}
		fail("%v is not one of %v", v, enum)
	}
}

func bounds(s map[string]any, n json.Number, fail func(string, ...any)) {
	f, err := n.Float64()
	if err != nil {
		fail("%s is not a number", n)
		return
	}
	if m, ok := num(s["minimum"]); ok && f < m {
		fail("%v is below minimum %v", f, m)
	}
	if m, ok := num(s["maximum"]); ok && f > m {
		fail("%v is above maximum %v", f, m)
	}
}

func optional(s map[string]any) bool { return truthy(s["optional"]) }

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case float64:
		return x != 0
	case json.Number:
		return x != "0" && x != ""
	case string:
		return x == "1" || x == "true"
	}
	return false
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
