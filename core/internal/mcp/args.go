package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// args are one call's arguments by name, checked one at a time so that a bad
// value gets a message naming the argument and what it should be.
type args map[string]json.RawMessage

// parseArgs refuses arguments that are not a JSON object or that name a
// parameter the tool does not take.
func parseArgs(tool string, raw json.RawMessage, allowed []string) (args, error) {
	a := args{}
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return a, nil
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("%s: arguments must be a JSON object: %v", tool, err)
	}
	var unknown []string
	for k := range a {
		if !contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if len(allowed) == 0 {
			return nil, fmt.Errorf("%s takes no arguments; got %s", tool, strings.Join(unknown, ", "))
		}
		return nil, fmt.Errorf("%s: unknown argument %s; valid arguments are %s", tool, strings.Join(quoteAll(unknown), ", "), strings.Join(allowed, ", "))
	}
	return a, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func (a args) present(name string) bool {
	v, ok := a[name]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// str returns a string argument, "" when absent.
func (a args) str(name string) (string, error) {
	if !a.present(name) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(a[name], &s); err != nil {
		return "", fmt.Errorf("%s must be a string, got %s", name, a[name])
	}
	return strings.TrimSpace(s), nil
}

// boolean returns a boolean argument, nil when absent.
func (a args) boolean(name string) (*bool, error) {
	if !a.present(name) {
		return nil, nil
	}
	var b bool
	if err := json.Unmarshal(a[name], &b); err != nil {
		return nil, fmt.Errorf("%s must be true or false, got %s", name, a[name])
	}
	return &b, nil
}

// integer returns an integer argument within [lo, hi], def when absent.
func (a args) integer(name string, def, lo, hi int) (int, error) {
	if !a.present(name) {
		return def, nil
	}
	var f float64
	if err := json.Unmarshal(a[name], &f); err != nil || f != math.Trunc(f) {
		return 0, fmt.Errorf("%s must be an integer from %d to %d, got %s", name, lo, hi, a[name])
	}
	if f < float64(lo) || f > float64(hi) {
		return 0, fmt.Errorf("%s=%s is out of range; use an integer from %d to %d (default %d)", name, a[name], lo, hi, def)
	}
	return int(f), nil
}

// stringMap returns an object argument whose values are strings.
func (a args) stringMap(name string) (map[string]string, error) {
	if !a.present(name) {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(a[name], &m); err != nil {
		return nil, fmt.Errorf("%s must be an object of string values, e.g. {\"timeout\": \"30\"}, got %s", name, a[name])
	}
	return m, nil
}
