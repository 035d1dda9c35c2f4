package platform

import (
	"bytes"
	"encoding/json"
)

//go:generate go run ./internal/genmanifest ../../PLATFORM_SUPPORT_MANIFEST.json ../../README.md

// ManifestEntry is one platform id in the machine-readable manifest.
type ManifestEntry struct {
	ID           ID         `json:"id"`
	Family       Family     `json:"family,omitempty"`
	State        string     `json:"state"`
	Readiness    Readiness  `json:"readiness,omitempty"`
	PrimaryMode  Mode       `json:"primary_mode,omitempty"`
	Onboarding   Onboarding `json:"onboarding_path,omitempty"`
	EntryPoint   string     `json:"entry_point,omitempty"`
	Augmentation string     `json:"optional_augmentation,omitempty"`
	Projections  []string   `json:"canonical_projections,omitempty"`
	// Floor is the support-floor row; for admitted platforms it is labelled
	// proposed_floor instead, because it is not a support claim.
	Floor         map[Surface]Class `json:"support_floor,omitempty"`
	ProposedFloor map[Surface]Class `json:"proposed_floor,omitempty"`
	Variants      []string          `json:"runtime_variants,omitempty"`
	Exclusions    []string          `json:"exclusions,omitempty"`
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
	for _, p := range model {
		e := ManifestEntry{
			ID: p.ID, Family: p.Family, State: p.SupportState(), Readiness: p.Readiness,
			PrimaryMode: p.Mode, Onboarding: p.Onboarding, EntryPoint: p.EntryPoint,
			Projections: p.Projections, Variants: p.RuntimeVariants, Exclusions: p.Exclusions,
		}
		if p.Augmentation != nil {
			e.Augmentation = p.Augmentation.Description
		}
		if p.Floor != nil {
			if p.Supported() {
				e.Floor = p.Floor.Classes
			} else {
				e.ProposedFloor = p.Floor.Classes
			}
		}
		switch e.State {
		case "supported":
			m.Supported = append(m.Supported, p.ID)
		case "admitted":
			m.Admitted = append(m.Admitted, p.ID)
		default:
			m.PresentationOnly = append(m.PresentationOnly, p.ID)
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
