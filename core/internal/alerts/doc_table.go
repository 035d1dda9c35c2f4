package alerts

import (
	"fmt"
	"strings"
)

// README markers between which the built-in rules table lives; a test
// keeps it equal to BuiltinsMarkdown (go test ./core/internal/alerts -update
// rewrites it).
const (
	BuiltinsBegin = "<!-- BEGIN GENERATED BUILT-IN ALERT RULES: go test ./core/internal/alerts -run TestReadmeBuiltins -update -->"
	BuiltinsEnd   = "<!-- END GENERATED BUILT-IN ALERT RULES -->"
)

// BuiltinsMarkdown renders the built-in rules as a Markdown table.
func BuiltinsMarkdown() string {
	var b strings.Builder
	b.WriteString("| Rule | Type | Match | Metric | Fires | Clears | Severity |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range Builtins() {
		dir := ">"
		if r.Below {
			dir = "<"
		}
		match := ""
		for k, v := range r.Match.Attributes {
			match = fmt.Sprintf("`%s = %s`", k, v)
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | `%s` | %s %s | %s | %s |\n", r.Name, r.Match.Type, match, r.Metric, dir,
			format(r.Metric, r.Trigger), format(r.Metric, r.Clear), r.Severity)
	}
	return b.String()
}

// SpliceBuiltins replaces the table between the markers in doc.
func SpliceBuiltins(doc string) (string, bool) {
	i := strings.Index(doc, BuiltinsBegin)
	j := strings.Index(doc, BuiltinsEnd)
	if i < 0 || j < i {
		return doc, false
	}
	return doc[:i+len(BuiltinsBegin)] + "\n" + BuiltinsMarkdown() + doc[j:], true
}
