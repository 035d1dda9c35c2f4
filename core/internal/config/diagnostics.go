package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Severities of a Diagnostic.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Diagnostic is one problem found in the configuration.
type Diagnostic struct {
	// File is the configuration file, as named to Parse or ParseBytes.
	File string
	// Line and Column locate the problem (1-based); both are 0 when the
	// problem concerns a whole file (for example one that cannot be read).
	Line, Column int
	// Summary says what is wrong.
	Summary string
	// Detail says what would be right.
	Detail string
	// Severity is SeverityError or SeverityWarning.
	Severity string
}

// String renders the diagnostic as "file:line:col: summary: detail".
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", d.Line, d.Column)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(d.Detail)
	}
	return b.String()
}

// Diagnostics is a list of problems. It implements error; Parse and Decode
// return a *Diagnostics when the configuration is invalid.
type Diagnostics []Diagnostic

// Error renders one diagnostic per line, "file:line:col: summary: detail".
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// errorAt builds an error diagnostic located at rng.
func errorAt(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

// toDiagnostics turns HCL diagnostics into Diagnostics, sorted by file (in the
// order of files), line and column, with every known secret scrubbed from
// the text.
func toDiagnostics(in hcl.Diagnostics, files []string, secrets *secretSet, extra ...string) Diagnostics {
	out := make(Diagnostics, 0, len(in))
	for _, d := range in {
		o := Diagnostic{Severity: SeverityError}
		o.Summary, o.Detail = tidy(d)
		if d.Severity == hcl.DiagWarning {
			o.Severity = SeverityWarning
		}
		if d.Subject != nil {
			o.File = d.Subject.Filename
			o.Line, o.Column = d.Subject.Start.Line, d.Subject.Start.Column
		}
		o.Summary = secrets.scrub(o.Summary, extra...)
		o.Detail = secrets.scrub(o.Detail, extra...)
		out = append(out, o)
	}
	return sortDiagnostics(out, files)
}

// sortDiagnostics sorts by file (in the order of files, unknown files
// last), line and column, keeping the order of diagnostics at one place.
func sortDiagnostics(ds Diagnostics, files []string) Diagnostics {
	order := func(f string) int {
		if i := slices.Index(files, f); i >= 0 {
			return i
		}
		return len(files)
	}
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(order(a.File), order(b.File)),
			cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return ds
}

// at renders a range's start as "file:line:col" for use inside a message.
func at(rng hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", rng.Filename, rng.Start.Line, rng.Start.Column)
}

// tidy rewrites HCL's wrapper around an env() or file() failure, "Error in
// function call: Call to function "env" failed: X; Y.", into "X: Y", so
// that it reads like every other diagnostic.
func tidy(d *hcl.Diagnostic) (summary, detail string) {
	if d.Summary == "Error in function call" {
		if _, rest, ok := strings.Cut(d.Detail, " failed: "); ok {
			summary, detail, _ = strings.Cut(strings.TrimSuffix(rest, "."), "; ")
			return summary, detail
		}
	}
	return d.Summary, d.Detail
}
