package config

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// value is an evaluated attribute.
type value struct {
	attr *hcl.Attribute
	// val is the value with its marks removed.
	val cty.Value
	// secret is true when the value came from env() or file().
	secret bool
	// failed is true when evaluation reported an error.
	failed bool
}

// evaluate evaluates an attribute's expression.
func evaluate(attr *hcl.Attribute, ctx *hcl.EvalContext) (value, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(ctx)
	unmarked, marks := v.UnmarkDeep()
	return value{attr: attr, val: unmarked, secret: len(marks) > 0, failed: diags.HasErrors() || !unmarked.IsWhollyKnown()}, diags
}

// usable reports whether the value can be decoded: it evaluated and is not
// null (null means "not set").
func (v value) usable() bool { return !v.failed && !v.val.IsNull() }

// rng is where value problems are reported: the expression.
func (v value) rng() hcl.Range { return v.attr.Expr.Range() }

// show renders a primitive value for a message, as it would be written in
// HCL, or "(sensitive)" when hidden; other values are named by their type.
func show(v cty.Value, hidden bool) string {
	switch {
	case hidden:
		return sensitive
	case v.IsNull():
		return "null"
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('g', -1)
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True())
	}
	return typeName(v.Type())
}

// got renders a value in "got ..." phrases: like show, but a hidden value
// is still named by its type, which reveals nothing.
func got(v cty.Value, hidden bool) string {
	if hidden && !v.IsNull() {
		if v.Type().IsPrimitiveType() {
			return typeName(v.Type()) + " " + sensitive
		}
		return typeName(v.Type())
	}
	return show(v, false)
}

// typeName names a type for operators.
func typeName(t cty.Type) string {
	switch {
	case t == cty.String:
		return "a string"
	case t == cty.Number:
		return "a number"
	case t == cty.Bool:
		return "a bool"
	case t.IsTupleType() || t.IsListType() || t.IsSetType():
		return "a list"
	case t.IsObjectType() || t.IsMapType():
		return "an object"
	}
	return "a value of type " + t.FriendlyName()
}

// asString decodes a string.
func asString(name string, v value, hidden bool) (string, *hcl.Diagnostic) {
	if v.val.Type().IsPrimitiveType() {
		if s, err := convert.Convert(v.val, cty.String); err == nil {
			return s.AsString(), nil
		}
	}
	return "", errorAt(v.rng(), name+" must be a string",
		fmt.Sprintf("got %s; write %s = \"...\"", got(v.val, hidden), name))
}

// asBool decodes a bool.
func asBool(name string, v value, hidden bool) (bool, *hcl.Diagnostic) {
	if v.val.Type().IsPrimitiveType() {
		if b, err := convert.Convert(v.val, cty.Bool); err == nil {
			return b.True(), nil
		}
	}
	return false, errorAt(v.rng(), name+" must be true or false",
		fmt.Sprintf("got %s; write %s = true or %s = false, without quotes", got(v.val, hidden), name, name))
}

// asNumber decodes a number into its JSON text.
func asNumber(name string, v value, hidden bool) (string, *hcl.Diagnostic) {
	if v.val.Type().IsPrimitiveType() {
		if n, err := convert.Convert(v.val, cty.Number); err == nil {
			if s, ok := numberText(n.AsBigFloat()); ok {
				return s, nil
			}
		}
	}
	return "", errorAt(v.rng(), name+" must be a number",
		fmt.Sprintf("got %s; write a number without quotes, e.g. %s = 8006", got(v.val, hidden), name))
}

// numberText renders a number as JSON: integers exactly (within int64),
// others as the nearest float64, which is what a plugin decodes them into.
// HCL numbers carry 512 bits, whose shortest decimal form is costly.
func numberText(f *big.Float) (string, bool) {
	if i, acc := f.Int64(); acc == big.Exact {
		return strconv.FormatInt(i, 10), true
	}
	x, _ := f.Float64()
	if math.IsInf(x, 0) {
		return "", false
	}
	return strconv.FormatFloat(x, 'g', -1, 64), true
}

// asDuration decodes a duration string such as "30s"; it returns the
// duration and the string as written.
func asDuration(name string, v value, hidden bool) (time.Duration, string, *hcl.Diagnostic) {
	if v.val.Type() != cty.String {
		return 0, "", errorAt(v.rng(), name+" must be a duration string",
			fmt.Sprintf("got %s; write a number with a unit in quotes, e.g. %s = \"30s\" or \"5m\"", got(v.val, hidden), name))
	}
	s := v.val.AsString()
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, "", errorAt(v.rng(), fmt.Sprintf("%s %s is not a duration", name, show(v.val, hidden)),
			`write a number with a unit, e.g. "30s" or "5m" (units: ms, s, m, h)`)
	}
	if d < 0 {
		return 0, "", errorAt(v.rng(), fmt.Sprintf("%s %s is negative", name, show(v.val, hidden)),
			`write a positive duration, e.g. "30s"`)
	}
	return d, s, nil
}

// asStringList decodes a list of strings.
func asStringList(name string, v value, hidden bool) ([]string, *hcl.Diagnostic) {
	t := v.val.Type()
	if t.IsTupleType() || t.IsListType() || t.IsSetType() {
		if l, err := convert.Convert(v.val, cty.List(cty.String)); err == nil {
			out := make([]string, 0, l.LengthInt())
			for it := l.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if e.IsNull() {
					return nil, errorAt(v.rng(), name+" holds a null element",
						fmt.Sprintf("remove it; write %s = [\"...\", \"...\"]", name))
				}
				out = append(out, e.AsString())
			}
			return out, nil
		}
	}
	return nil, errorAt(v.rng(), name+" must be a list of strings",
		fmt.Sprintf("got %s; write %s = [\"...\", \"...\"]", got(v.val, hidden), name))
}

// oneOf checks that s is one of the allowed values.
func oneOf(name, s string, allowed []string, v value) *hcl.Diagnostic {
	if slices.Contains(allowed, s) {
		return nil
	}
	return errorAt(v.rng(), fmt.Sprintf("%s %s is not valid", name, show(v.val, v.secret)),
		fmt.Sprintf("write one of: %s", quoteAll(allowed)))
}

// quoteAll renders names as `"a", "b"`.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
