package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// secretMark marks every value produced by env() or file(); cty carries the
// mark through templates and collections, so a value built from a secret is
// recognised as one.
const secretMark = "pulse-config-secret"

// secretSet remembers the secrets read during one Parse so diagnostics can
// be scrubbed of them as a last line of defence.
type secretSet struct {
	mu     sync.Mutex
	values []string
}

func (s *secretSet) add(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.values, v) {
		s.values = append(s.values, v)
	}
}

// minScrub is the shortest secret scrubbed from text; shorter ones would
// mangle ordinary words and are never echoed by the messages anyway.
const minScrub = 3

// scrub replaces every known secret, and each of extra, in text with
// "(sensitive)". The longest secrets go first so a secret containing another
// is removed whole.
func (s *secretSet) scrub(text string, extra ...string) string {
	var all []string
	if s != nil {
		s.mu.Lock()
		all = append(all, s.values...)
		s.mu.Unlock()
	}
	all = append(all, extra...)
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	for _, v := range all {
		if len(v) >= minScrub {
			text = strings.ReplaceAll(text, v, sensitive)
		}
	}
	return text
}

// sensitive replaces a secret wherever a value would be shown.
const sensitive = "(sensitive)"

// evalContext returns the functions available in a file whose relative
// paths resolve against dir. There are no variables.
func evalContext(dir string, secrets *secretSet) *hcl.EvalContext {
	return &hcl.EvalContext{Functions: map[string]function.Function{
		"env":  envFunc(secrets),
		"file": fileFunc(dir, secrets),
	}}
}

// envFunc is env("NAME"): the value of an environment variable, which must
// be set and non-empty.
func envFunc(secrets *secretSet) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable; it must be set and not empty.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if name == "" {
				return cty.NilVal, function.NewArgErrorf(0, "the variable name is empty; write env(\"NAME\")")
			}
			v, ok := os.LookupEnv(name)
			if !ok || v == "" {
				return cty.NilVal, fmt.Errorf("environment variable %s is not set or is empty; export %s before starting pulse, or keep the secret in a file and use file(\"path\")", name, name)
			}
			secrets.add(v)
			return cty.StringVal(v).Mark(secretMark), nil
		},
	})
}

// fileFunc is file("path"): the contents of a file, relative to dir, with
// trailing newlines removed.
func fileFunc(dir string, secrets *secretSet) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the contents of a file relative to the configuration file, without trailing newlines.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if p == "" {
				return cty.NilVal, function.NewArgErrorf(0, "the path is empty; write file(\"path/to/secret\")")
			}
			full := resolve(dir, p)
			b, err := readSecretFile(full)
			if err != nil {
				return cty.NilVal, fmt.Errorf("file %q cannot be read: %s; it resolves to %s, relative to the configuration file: check the path and its permissions", p, reason(err), full)
			}
			v := strings.TrimRight(string(b), "\r\n")
			secrets.add(v)
			return cty.StringVal(v).Mark(secretMark), nil
		},
	})
}

// maxSecretFile bounds what file() reads: a secret, not a stream.
const maxSecretFile = 1 << 20

// readSecretFile reads a regular file of at most maxSecretFile bytes, so
// that file("/dev/zero") or a FIFO cannot exhaust or block the core.
func readSecretFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &os.PathError{Op: "read", Path: path, Err: errors.New("not a regular file")}
	}
	if st.Size() > maxSecretFile {
		return nil, &os.PathError{Op: "read", Path: path, Err: fmt.Errorf("%d bytes, over the %d-byte limit for a secret file", st.Size(), maxSecretFile)}
	}
	return os.ReadFile(path)
}

// resolve makes p relative to dir unless it is absolute.
func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// reason shortens an *os.PathError to its cause, since callers name the path.
func reason(err error) string {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
