package faketruenas

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Row is one object of a collection, shaped as the middleware returns it.
type Row = map[string]any

// queryOptions are the options a *.query method takes, as TrueNAS applies
// them: select, order_by, offset, limit, count, get and method-specific
// extra.
type queryOptions struct {
	Select  []string       `json:"select"`
	OrderBy []string       `json:"order_by"`
	Offset  int            `json:"offset"`
	Limit   int            `json:"limit"`
	Count   bool           `json:"count"`
	Get     bool           `json:"get"`
	Extra   map[string]any `json:"extra"`
}

// parseQuery reads [filters, options] from params.
func parseQuery(params []json.RawMessage) ([]any, queryOptions, error) {
	var filters []any
	var opts queryOptions
	if len(params) > 0 && string(params[0]) != "null" {
		if err := json.Unmarshal(params[0], &filters); err != nil {
			return nil, opts, fmt.Errorf("query-filters: %v", err)
		}
	}
	if len(params) > 1 && string(params[1]) != "null" {
		dec := json.NewDecoder(strings.NewReader(string(params[1])))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&opts); err != nil {
			return nil, opts, fmt.Errorf("query-options: %v", err)
		}
	}
	if len(params) > 2 {
		return nil, opts, fmt.Errorf("expected at most 2 parameters (query-filters, query-options), got %d", len(params))
	}
	return filters, opts, nil
}

// applyQuery filters, orders, pages and selects rows. It returns a list, a
// count, or one row (get).
func applyQuery(rows []Row, filters []any, o queryOptions) (any, *rpcError) {
	var out []Row
	for _, r := range rows {
		ok, err := matchAll(r, filters)
		if err != nil {
			return nil, errInvalid(err.Error())
		}
		if ok {
			out = append(out, r)
		}
	}
	if len(o.OrderBy) > 0 {
		slices.SortStableFunc(out, func(a, b Row) int {
			for _, key := range o.OrderBy {
				desc := strings.HasPrefix(key, "-")
				key = strings.TrimPrefix(key, "-")
				key = strings.TrimPrefix(strings.TrimPrefix(key, "nulls_first:"), "nulls_last:")
				c := compare(field(a, key), field(b, key))
				if desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
	}
	if o.Count {
		return len(out), nil
	}
	if o.Offset > 0 {
		out = out[min(o.Offset, len(out)):]
	}
	if o.Limit > 0 && o.Limit < len(out) {
		out = out[:o.Limit]
	}
	if len(o.Select) > 0 {
		sel := make([]Row, len(out))
		for i, r := range out {
			sel[i] = selectFields(r, o.Select)
		}
		out = sel
	}
	if o.Get {
		if len(out) == 0 {
			return nil, &rpcError{Code: codeCallError, Message: "MatchNotFound", ErrName: "ENOENT", Errno: 2, Reason: "MatchNotFound()"}
		}
		return out[0], nil
	}
	if out == nil {
		out = []Row{}
	}
	return out, nil
}

func selectFields(r Row, fields []string) Row {
	out := Row{}
	for _, f := range fields {
		v := field(r, f)
		if v == nil {
			if _, ok := r[f]; !ok && !strings.Contains(f, ".") {
				continue
			}
		}
		parts := strings.Split(f, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(Row)
			if !ok {
				next = Row{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
	return out
}

// field reads a dotted path.
func field(r Row, path string) any {
	var cur any = r
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(Row)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// matchAll applies a filter list (AND) to r.
func matchAll(r Row, filters []any) (bool, error) {
	for _, f := range filters {
		ok, err := match(r, f)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// match applies one filter: [field, op, value] or ["OR", [filters...]].
func match(r Row, f any) (bool, error) {
	l, ok := f.([]any)
	if !ok {
		return false, fmt.Errorf("filter %v is not a list", f)
	}
	if len(l) == 2 {
		if s, _ := l[0].(string); s == "OR" {
			alts, ok := l[1].([]any)
			if !ok {
				return false, fmt.Errorf("OR takes a list of filters")
			}
			for _, a := range alts {
				// Each alternative is a filter or a list of filters (AND).
				var ok bool
				var err error
				if inner, isList := a.([]any); isList && len(inner) > 0 {
					if _, nested := inner[0].([]any); nested {
						ok, err = matchAll(r, inner)
					} else {
						ok, err = match(r, a)
					}
				}
				if err != nil {
					return false, err
				}
				if ok {
					return true, nil
				}
			}
			return false, nil
		}
	}
	if len(l) != 3 {
		return false, fmt.Errorf("filter %v must be [field, operator, value]", l)
	}
	name, ok1 := l[0].(string)
	op, ok2 := l[1].(string)
	if !ok1 || !ok2 {
		return false, fmt.Errorf("filter %v: field and operator must be strings", l)
	}
	v := field(r, name)
	want := l[2]
	switch op {
	case "=":
		return compare(v, want) == 0 && sameKind(v, want), nil
	case "!=":
		return !(compare(v, want) == 0 && sameKind(v, want)), nil
	case ">":
		return sameKind(v, want) && compare(v, want) > 0, nil
	case ">=":
		return sameKind(v, want) && compare(v, want) >= 0, nil
	case "<":
		return sameKind(v, want) && compare(v, want) < 0, nil
	case "<=":
		return sameKind(v, want) && compare(v, want) <= 0, nil
	case "in", "nin":
		list, ok := want.([]any)
		if !ok {
			return false, fmt.Errorf("filter %v: %s takes a list", l, op)
		}
		found := slices.ContainsFunc(list, func(x any) bool { return sameKind(v, x) && compare(v, x) == 0 })
		return found == (op == "in"), nil
	case "rin", "rnin":
		list, _ := v.([]any)
		found := slices.ContainsFunc(list, func(x any) bool { return sameKind(x, want) && compare(x, want) == 0 })
		return found == (op == "rin"), nil
	case "^", "!^", "$", "!$":
		s, _ := v.(string)
		w, _ := want.(string)
		var hit bool
		if strings.HasSuffix(op, "^") {
			hit = strings.HasPrefix(s, w)
		} else {
			hit = strings.HasSuffix(s, w)
		}
		return hit != strings.HasPrefix(op, "!"), nil
	case "~":
		s, _ := v.(string)
		w, _ := want.(string)
		re, err := regexp.Compile(w)
		if err != nil {
			return false, fmt.Errorf("filter %v: %v", l, err)
		}
		return re.MatchString(s), nil
	}
	return false, fmt.Errorf("filter %v: unknown operator %q", l, op)
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func sameKind(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	_, an := num(a)
	_, bn := num(b)
	if an || bn {
		return an && bn
	}
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	}
	return false
}

// compare orders nil < bool < number < string; other kinds compare equal.
func compare(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case bool:
			return 1
		case string:
			return 3
		}
		if _, ok := num(v); ok {
			return 2
		}
		return 4
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case string:
		return strings.Compare(x, b.(string))
	}
	if x, ok := num(a); ok {
		y, _ := num(b)
		return cmp.Compare(x, y)
	}
	return 0
}
