package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// bodyRules says what a body may contain.
type bodyRules struct {
	// where names the body in messages, e.g. "the server block".
	where string
	// attrs are the allowed attribute names, unless anyAttr is set.
	attrs []string
	// anyAttr allows every attribute not named like a block (a connection
	// body, whose plugin attributes are judged later).
	anyAttr bool
	// blocks are the allowed block types.
	blocks []string
}

// checkBody reports every attribute and block a native-syntax body holds
// that the rules do not allow, with the valid names. It reports all of
// them, where HCL's own checks stop at the first block.
func checkBody(body hcl.Body, r bodyRules) hcl.Diagnostics {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	for _, a := range sortedAttrs(sb.Attributes) {
		switch {
		case slices.Contains(r.blocks, a.Name):
			diags = append(diags, errorAt(a.NameRange, fmt.Sprintf("%s is a block, not an attribute", a.Name),
				fmt.Sprintf("write %s { ... } without \"=\"", a.Name)))
		case r.anyAttr || slices.Contains(r.attrs, a.Name):
		default:
			diags = append(diags, errorAt(a.NameRange, fmt.Sprintf("unknown attribute %q in %s", a.Name, r.where),
				suggest(a.Name, r.attrs)+validList("attributes", r.attrs)))
		}
	}
	for _, b := range sb.Blocks {
		if slices.Contains(r.blocks, b.Type) {
			continue
		}
		detail := suggest(b.Type, r.blocks) + validList("blocks", r.blocks)
		if slices.Contains(r.attrs, b.Type) {
			detail = fmt.Sprintf("%s is an attribute: write %s = ...", b.Type, b.Type)
		}
		diags = append(diags, errorAt(b.TypeRange, fmt.Sprintf("unknown block %q in %s", b.Type, r.where), detail))
	}
	return diags
}

// validList renders "valid attributes are: a, b" (or says there are none).
func validList(kind string, names []string) string {
	if len(names) == 0 {
		return "no " + kind + " are allowed here"
	}
	s := slices.Clone(names)
	slices.Sort(s)
	return fmt.Sprintf("valid %s are: %s", kind, strings.Join(s, ", "))
}

// suggest returns `did you mean "x"? ` when a valid name is close to given.
func suggest(given string, valid []string) string {
	best, bestD := "", 3
	for _, v := range valid {
		if d := levenshtein.Distance(given, v, nil); d < bestD {
			best, bestD = v, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("did you mean %q? ", best)
}

// sortedAttrs returns a syntax body's attributes in source order.
func sortedAttrs(m hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hclsyntax.Attribute) int { return cmp.Compare(a.SrcRange.Start.Byte, b.SrcRange.Start.Byte) })
	return out
}

// inOrder returns attributes in source order.
func inOrder(m hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hcl.Attribute) int { return cmp.Compare(a.Range.Start.Byte, b.Range.Start.Byte) })
	return out
}
