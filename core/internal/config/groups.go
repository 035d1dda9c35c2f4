package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// alternative is one way to satisfy an ExactlyOneOf group.
type alternative struct {
	name  string
	attrs []string
}

// group is an ExactlyOneOf group, alternatives in declaration order.
type group struct {
	name string
	alts []*alternative
}

// groups collects the schema's ExactlyOneOf groups in declaration order.
func groups(schema sdk.Schema) []*group {
	var out []*group
	for _, a := range schema {
		gname, aname, ok := strings.Cut(a.ExactlyOneOf, ":")
		if !ok {
			continue
		}
		i := slices.IndexFunc(out, func(g *group) bool { return g.name == gname })
		if i < 0 {
			out = append(out, &group{name: gname})
			i = len(out) - 1
		}
		g := out[i]
		j := slices.IndexFunc(g.alts, func(x *alternative) bool { return x.name == aname })
		if j < 0 {
			g.alts = append(g.alts, &alternative{name: aname})
			j = len(g.alts) - 1
		}
		g.alts[j].attrs = append(g.alts[j].attrs, a.Name)
	}
	return out
}

// String renders `token (token_id, token_secret)`.
func (a *alternative) String() string {
	return fmt.Sprintf("%s (%s)", a.name, strings.Join(a.attrs, ", "))
}

// checkGroups checks that exactly one alternative of each group is set,
// with all of its attributes. set holds the attributes that are set.
func (c *Connection) checkGroups(schema sdk.Schema, set map[string]value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, g := range groups(schema) {
		// touched are the alternatives with at least one attribute set,
		// with the first such attribute, in source order.
		type touch struct {
			alt   *alternative
			first value
		}
		var touched []touch
		for _, alt := range g.alts {
			var firsts []value
			for _, n := range alt.attrs {
				if v, ok := set[n]; ok {
					firsts = append(firsts, v)
				}
			}
			if len(firsts) > 0 {
				slices.SortFunc(firsts, byPosition)
				touched = append(touched, touch{alt, firsts[0]})
			}
		}
		slices.SortFunc(touched, func(a, b touch) int { return byPosition(a.first, b.first) })
		all := make([]string, len(g.alts))
		for i, a := range g.alts {
			all[i] = a.String()
		}
		switch len(touched) {
		case 0:
			diags = append(diags, errorAt(c.Range, fmt.Sprintf("%s sets no %s alternative", c.title(), g.name),
				"set exactly one of: "+strings.Join(all, "; ")))
		case 1:
			alt := touched[0].alt
			var missing []string
			for _, n := range alt.attrs {
				if _, ok := set[n]; !ok {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 {
				diags = append(diags, errorAt(touched[0].first.attr.NameRange,
					fmt.Sprintf("%s alternative %q is incomplete: %s not set", g.name, alt.name, strings.Join(missing, ", ")),
					fmt.Sprintf("set all of %s, or use another alternative; the choices are: %s", alt, strings.Join(all, "; "))))
			}
		default:
			second := touched[1]
			diags = append(diags, errorAt(second.first.attr.NameRange,
				fmt.Sprintf("%s alternatives %q and %q are both set", g.name, touched[0].alt.name, second.alt.name),
				fmt.Sprintf("set exactly one of: %s; remove the others", strings.Join(all, "; "))))
		}
	}
	return diags
}

// byPosition orders values by their place in the source.
func byPosition(a, b value) int {
	return cmp.Compare(a.attr.Range.Start.Byte, b.attr.Range.Start.Byte)
}
