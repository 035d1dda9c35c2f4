package apischema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./cmd/apischema-extract

// Products are the Proxmox products whose descriptions this package serves;
// product p's adapter is plugins/proxmox-<p>.
var Products = []string{"pve", "pbs", "pmg"}

// Paths says where one product's files are, relative to the repository root.
type Paths struct {
	Full      string // the official description: ../shared/api-schemas/<p>-apidoc.json
	Endpoints string // the committed list of endpoints the adapter and fake use
	Extract   string // the committed, generated extract
}

// PathsFor returns product's file locations under the repository root.
func PathsFor(root, product string) Paths {
	dir := filepath.Join(root, "plugins", "proxmox-"+product, "testdata", "apischema")
	return Paths{
		Full:      filepath.Join(root, "..", "shared", "api-schemas", product+"-apidoc.json"),
		Endpoints: filepath.Join(dir, "endpoints.txt"),
		Extract:   filepath.Join(dir, product+"-apidoc.extract.json"),
	}
}

// ReadEndpoints reads an endpoint list: one "METHOD /path/{template}" per
// line; blank lines and lines starting with # are ignored.
func ReadEndpoints(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read endpoint list: %w", err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		method, tpl, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(tpl, "/") || strings.ToUpper(method) != method {
			return nil, fmt.Errorf("%s:%d: %q is not \"METHOD /path\" (for example \"GET /cluster/resources\")", path, n, line)
		}
		out = append(out, method+" "+tpl)
	}
	return out, nil
}

// extractKeys are the members of an endpoint's info kept in an extract:
// what validation (returns) and privilege checks (permissions) need.
var extractKeys = []string{"permissions", "returns"}

// dropped are schema members an extract leaves out: prose only. Types,
// properties, items, enums, optional flags, bounds and patterns all stay.
var dropped = map[string]bool{"description": true, "verbose_description": true, "typetext": true}

// Extract makes the extract of a full description for the given endpoints
// ("METHOD /path"): a flat list of nodes in the description's own format,
// sorted by path, each with only the listed methods and their returns and
// permissions, descriptions removed. The output is deterministic, so the
// committed file can be compared byte for byte with a fresh one.
func Extract(full []byte, endpoints []string) ([]byte, error) {
	d, err := Parse(full)
	if err != nil {
		return nil, err
	}
	type info = map[string]map[string]any
	byPath := map[string]info{}
	var missing []string
	for _, e := range endpoints {
		method, tpl, _ := strings.Cut(e, " ")
		src, ok := d.endpoints[tpl][method]
		if !ok {
			missing = append(missing, e)
			continue
		}
		kept := map[string]any{}
		for _, k := range extractKeys {
			if v, ok := src[k]; ok {
				kept[k] = strip(v)
			}
		}
		if byPath[tpl] == nil {
			byPath[tpl] = info{}
		}
		byPath[tpl][method] = kept
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not in the description: %s", strings.Join(missing, ", "))
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	nodes := make([]node, 0, len(paths))
	for _, p := range paths {
		nodes = append(nodes, node{Path: p, Info: byPath[p]})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(nodes); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// strip removes prose members from a schema, recursively. The members of a
// "properties" map are property names, never prose: a property called
// "description" stays.
func strip(v any) any { return stripIn(v, false) }

func stripIn(v any, propertyNames bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if _, prose := e.(string); prose && dropped[k] && !propertyNames {
				continue
			}
			out[k] = stripIn(e, !propertyNames && k == "properties")
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stripIn(e, false)
		}
		return out
	}
	return v
}

var opened sync.Map // product -> *openResult

type openResult struct {
	once sync.Once
	doc  *Doc
	err  error
}

// Open loads product's committed extract, found from the working directory
// (a test's package directory) up to the repository root. It never reads
// outside the repository. Loaded documents are cached.
func Open(product string) (*Doc, error) {
	v, _ := opened.LoadOrStore(product, &openResult{})
	r := v.(*openResult)
	r.once.Do(func() {
		root, err := RepoRoot(".")
		if err != nil {
			r.err = err
			return
		}
		r.doc, r.err = Load(PathsFor(root, product).Extract)
		if r.err != nil {
			r.err = fmt.Errorf("%w (regenerate with `make schemas` where ../shared/api-schemas exists)", r.err)
		}
	})
	return r.doc, r.err
}
