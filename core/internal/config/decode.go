package config

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Decode checks the connection's plugin-specific attributes against the
// schema the platform's plugin declares and returns them as a JSON object,
// ready for sdk.Connection.Config: strings, numbers and booleans as
// themselves, list(string) as an array, durations as the string written
// (after checking it parses). Unset and null attributes are left out.
//
// It refuses an attribute the schema does not name (listing the valid
// ones), a missing Required attribute, a value of the wrong type, and any
// violation of the ExactlyOneOf groups: exactly one alternative of each
// group must be set, with all of its attributes. Required is ignored on an
// attribute that belongs to a group; the group decides.
//
// The error is a *Diagnostics; values of Sensitive attributes and values
// from env() or file() never appear in it.
func (c *Connection) Decode(schema sdk.Schema) (json.RawMessage, error) {
	out, diags := c.decode(schema)
	if diags.HasErrors() {
		ds := toDiagnostics(diags, []string{c.Range.Filename}, c.secrets, c.sensitiveLiterals(schema)...)
		return nil, &ds
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("config: encode %s: %w", c, err)
	}
	return raw, nil
}

// SDK decodes the connection for its plugin: Decode plus the common TLS
// settings and timeout.
func (c *Connection) SDK(schema sdk.Schema) (sdk.Connection, error) {
	raw, err := c.Decode(schema)
	if err != nil {
		return sdk.Connection{}, err
	}
	return sdk.Connection{
		Name:   c.Name,
		Config: raw,
		TLS: sdk.TLSConfig{
			CAPEM: c.TLS.CAPEM, InsecureSkipVerify: c.TLS.InsecureSkipVerify, Fingerprint: c.TLS.Fingerprint,
		},
		Timeout: c.Timeout,
	}, nil
}

// decode is Decode without the final encoding.
func (c *Connection) decode(schema sdk.Schema) (map[string]any, hcl.Diagnostics) {
	if diags := c.checkSchema(schema); diags.HasErrors() {
		return nil, diags
	}
	var diags hcl.Diagnostics
	byName := make(map[string]sdk.Attribute, len(schema))
	for _, a := range schema {
		byName[a.Name] = a
	}
	out := map[string]any{}
	set := map[string]value{}
	for _, v := range c.ordered() {
		name := v.attr.Name
		a, ok := byName[name]
		if !ok {
			diags = append(diags, errorAt(v.attr.NameRange, fmt.Sprintf("unknown attribute %q for platform %q", name, c.Platform),
				suggest(name, append(schemaNames(schema), commonAttrs...))+validList("attributes", schemaNames(schema))+
					" (besides the common enabled, poll_interval, timeout and the tls block)"))
			continue
		}
		if v.failed {
			set[name] = v // reported by Parse; counts as set
			continue
		}
		if v.val.IsNull() {
			continue
		}
		set[name] = v
		x, d := decodeValue(a, v)
		if d != nil {
			diags = append(diags, d)
			continue
		}
		out[name] = x
	}
	for _, a := range schema {
		if _, ok := set[a.Name]; ok || !a.Required || a.ExactlyOneOf != "" {
			continue
		}
		diags = append(diags, errorAt(c.Range, fmt.Sprintf("%s lacks the required attribute %q", c.title(), a.Name),
			fmt.Sprintf("add %s = %s%s", a.Name, example(a.Type), describe(a))))
	}
	diags = append(diags, c.checkGroups(schema, set)...)
	return out, diags
}

// decodeValue converts one attribute to its JSON form.
func decodeValue(a sdk.Attribute, v value) (any, *hcl.Diagnostic) {
	hidden := a.Sensitive || v.secret
	switch a.Type {
	case sdk.TypeString:
		return asString(a.Name, v, hidden)
	case sdk.TypeBool:
		return asBool(a.Name, v, hidden)
	case sdk.TypeNumber:
		n, d := asNumber(a.Name, v, hidden)
		return json.Number(n), d
	case sdk.TypeDuration:
		_, s, d := asDuration(a.Name, v, hidden)
		return s, d
	case sdk.TypeStringList:
		return asStringList(a.Name, v, hidden)
	}
	return nil, errorAt(v.rng(), fmt.Sprintf("attribute %q has unknown type %q", a.Name, a.Type), "the plugin's schema is wrong")
}

// checkSchema refuses a schema the plugin got wrong: that is a plugin bug,
// reported at the connection so the operator knows which one is affected.
func (c *Connection) checkSchema(schema sdk.Schema) hcl.Diagnostics {
	var diags hcl.Diagnostics
	bad := func(format string, args ...any) {
		diags = append(diags, errorAt(c.Range, fmt.Sprintf("the %q plugin declares an invalid schema", c.Platform),
			fmt.Sprintf(format, args...)+"; this is a bug in the plugin, not in the configuration"))
	}
	seen := map[string]bool{}
	for _, a := range schema {
		switch {
		case a.Name == "":
			bad("an attribute has no name")
		case seen[a.Name]:
			bad("attribute %q is declared twice", a.Name)
		case slices.Contains(commonAttrs, a.Name) || a.Name == "tls":
			bad("attribute %q is one of the core's common attributes", a.Name)
		}
		seen[a.Name] = true
		switch a.Type {
		case sdk.TypeString, sdk.TypeNumber, sdk.TypeBool, sdk.TypeDuration, sdk.TypeStringList:
		default:
			bad("attribute %q has unknown type %q", a.Name, a.Type)
		}
		if a.ExactlyOneOf != "" {
			if g, alt, ok := strings.Cut(a.ExactlyOneOf, ":"); !ok || g == "" || alt == "" {
				bad("attribute %q has ExactlyOneOf %q, not \"group:alternative\"", a.Name, a.ExactlyOneOf)
			}
		}
	}
	return diags
}

// ordered returns the plugin attributes in source order.
func (c *Connection) ordered() []value {
	out := make([]value, 0, len(c.attrs))
	for _, v := range c.attrs {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b value) int { return cmp.Compare(a.attr.Range.Start.Byte, b.attr.Range.Start.Byte) })
	return out
}

// sensitiveLiterals returns the text of every Sensitive attribute's string
// and number values, to be scrubbed from diagnostics (booleans are not
// secrets worth mangling "true" in every message for).
func (c *Connection) sensitiveLiterals(schema sdk.Schema) []string {
	var out []string
	for _, a := range schema {
		v, ok := c.attrs[a.Name]
		if !ok || !a.Sensitive || !v.val.IsWhollyKnown() || v.val.IsNull() {
			continue
		}
		if t := v.val.Type(); t == cty.String || t == cty.Number {
			out = append(out, primitiveText(v.val))
		} else if t.IsTupleType() || t.IsListType() {
			for it := v.val.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if !e.IsNull() && (e.Type() == cty.String || e.Type() == cty.Number) {
					out = append(out, primitiveText(e))
				}
			}
		}
	}
	return out
}

// primitiveText is a string's or number's text.
func primitiveText(v cty.Value) string {
	if v.Type() == cty.Number {
		return v.AsBigFloat().Text('g', -1)
	}
	return v.AsString()
}

// title names the connection in messages.
func (c *Connection) title() string { return fmt.Sprintf("connection %q %q", c.Platform, c.Name) }

// schemaNames returns the attribute names of a schema.
func schemaNames(schema sdk.Schema) []string {
	names := make([]string, len(schema))
	for i, a := range schema {
		names[i] = a.Name
	}
	return names
}

// example is a placeholder value of a type.
func example(t sdk.AttrType) string {
	switch t {
	case sdk.TypeNumber:
		return "<number>"
	case sdk.TypeBool:
		return "true"
	case sdk.TypeDuration:
		return `"30s"`
	case sdk.TypeStringList:
		return `["..."]`
	}
	return `"..."`
}

// describe renders an attribute's description as " (description)".
func describe(a sdk.Attribute) string {
	if a.Description == "" {
		return ""
	}
	return " (" + a.Description + ")"
}
