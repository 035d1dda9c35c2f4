package platform

import (
	"fmt"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
)

// README markers between which `go generate` writes the metric vocabulary.
const (
	MetricsBegin = "<!-- BEGIN GENERATED METRIC VOCABULARY: go generate ./core/platform -->"
	MetricsEnd   = "<!-- END GENERATED METRIC VOCABULARY -->"
)

// MarkdownMetrics renders the canonical metric vocabulary
// (resource.Metrics) as a Markdown table, in the vocabulary's order.
func MarkdownMetrics() string {
	var b strings.Builder
	b.WriteString("| Metric | Kind | Unit | Applies to | Meaning |\n| --- | --- | --- | --- | --- |\n")
	for _, d := range resource.Metrics {
		types := make([]string, len(d.Types))
		for i, t := range d.Types {
			types[i] = "`" + string(t) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", d.Name, d.Kind, d.Unit, strings.Join(types, ", "), d.Doc)
	}
	return b.String()
}

// SpliceMetrics replaces the text between the metric markers in doc with
// the current vocabulary; it reports false when the markers are missing.
func SpliceMetrics(doc string) (string, bool) {
	i := strings.Index(doc, MetricsBegin)
	j := strings.Index(doc, MetricsEnd)
	if i < 0 || j < i {
		return doc, false
	}
	return doc[:i+len(MetricsBegin)] + "\n" + MarkdownMetrics() + doc[j:], true
}
