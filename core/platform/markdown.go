package platform

import (
	"fmt"
	"strings"
)

// README markers between which `go generate` writes the support matrix.
const (
	MatrixBegin = "<!-- BEGIN GENERATED SUPPORT MATRIX: go generate ./core/platform -->"
	MatrixEnd   = "<!-- END GENERATED SUPPORT MATRIX -->"
)

// MarkdownMatrix renders the support and projection matrices as Markdown.
// Admitted platforms appear only in their own, clearly labelled table.
func MarkdownMatrix() string {
	var b strings.Builder
	head := "| Platform |"
	sep := "| --- |"
	for _, s := range Surfaces {
		head += " " + string(s) + " |"
		sep += " --- |"
	}
	row := func(p Platform) {
		fmt.Fprintf(&b, "| `%s` |", p.ID)
		for _, s := range Surfaces {
			c := string(p.Floor.Class(s))
			if s == SurfaceSetup {
				c = p.Floor.SetupDetail
			}
			fmt.Fprintf(&b, " %s |", c)
		}
		b.WriteString("\n")
	}
	b.WriteString("Supported platforms:\n\n" + head + "\n" + sep + "\n")
	for _, p := range model {
		if p.Supported() {
			row(p)
		}
	}
	b.WriteString("\nAdmitted, not supported (the proposed phase-1 floor is not a support claim):\n\n" + head + "\n" + sep + "\n")
	for _, p := range Admitted() {
		row(p)
	}
	b.WriteString("\n| Platform | Family | State | Primary mode | Onboarding | Optional augmentation | Canonical projections |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, p := range model {
		if p.Admission == AdmissionPresentationOnly {
			continue
		}
		aug := "none"
		if p.Augmentation != nil {
			aug = p.Augmentation.Description
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", p.ID, p.Family, p.SupportState(), p.Mode, p.Onboarding, aug, "`"+strings.Join(p.Projections, "`, `")+"`")
	}
	var pres []string
	for _, p := range PresentationOnly() {
		pres = append(pres, "`"+string(p.ID)+"`")
	}
	fmt.Fprintf(&b, "\nPresentation-only vocabulary (never support, never a connection block): %s.\n", strings.Join(pres, ", "))
	return b.String()
}

// SpliceMatrix replaces the text between the markers in doc with the
// current matrix; it reports false when the markers are missing.
func SpliceMatrix(doc string) (string, bool) {
	i := strings.Index(doc, MatrixBegin)
	j := strings.Index(doc, MatrixEnd)
	if i < 0 || j < i {
		return doc, false
	}
	return doc[:i+len(MatrixBegin)] + "\n" + MarkdownMatrix() + doc[j:], true
}
