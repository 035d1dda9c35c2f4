package platform

import (
	"bytes"
	"encoding/json"
)

//go:generate go run ./internal/genmanifest ../../PLATFORM_SUPPORT_MANIFEST.json ../../README.md

// ManifestEntry is one platform id in the machine-readable manifest: the
// product view plus the governance facts only the manifest carries.
type ManifestEntry struct {
	View
	Readiness  Readiness `json:"readiness,omitempty"`
	EntryPoint string    `json:"entry_point,omitempty"`
	Exclusions []string  `json:"exclusions,omitempty"`
}

// Manifest is PLATFORM_SUPPORT_MANIFEST.json: the supported, admitted and
// presentation-only vocabulary with onboarding-path classification.
type Manifest struct {
	Comment          string          `json:"_comment"`
	Source           string          `json:"source"`
	Supported        []ID            `json:"supported"`
	Admitted         []ID            `json:"admitted"`
	PresentationOnly []ID            `json:"presentation_only"`
	HybridCapable    []ID            `json:"hybrid_capable"`
	Platforms        []ManifestEntry `json:"platforms"`
}

// BuildManifest derives the manifest from the model.
func BuildManifest() Manifest {
	m := Manifest{
		Comment: "Generated from core/platform by go generate; do not edit.",
		Source:  SeedRevision,
	}
	for i, v := range Views() {
		p := model[i]
		e := ManifestEntry{View: v, Readiness: p.Readiness, EntryPoint: p.EntryPoint, Exclusions: p.Exclusions}
		switch e.State {
		case "supported":
			m.Supported = append(m.Supported, e.ID)
		case "admitted":
			m.Admitted = append(m.Admitted, e.ID)
		default:
			m.PresentationOnly = append(m.PresentationOnly, e.ID)
		}
		m.Platforms = append(m.Platforms, e)
	}
	for _, p := range HybridCapable() {
		m.HybridCapable = append(m.HybridCapable, p.ID)
	}
	return m
}

// ManifestJSON renders the manifest exactly as committed.
func ManifestJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(BuildManifest()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
