package platform

// View is a platform as product surfaces (API, CLI) show it. It carries the
// support state but never the readiness stage: an admitted platform is shown
// as admitted, and its floor only as proposed_floor.
type View struct {
	ID            ID                `json:"id"`
	Family        Family            `json:"family,omitempty"`
	State         string            `json:"state"`
	Mode          Mode              `json:"primary_mode,omitempty"`
	Onboarding    Onboarding        `json:"onboarding_path,omitempty"`
	Augmentation  string            `json:"optional_augmentation,omitempty"`
	Projections   []string          `json:"canonical_projections,omitempty"`
	Floor         map[Surface]Class `json:"support_floor,omitempty"`
	ProposedFloor map[Surface]Class `json:"proposed_floor,omitempty"`
	Variants      []string          `json:"runtime_variants,omitempty"`
}

// Views returns every governed platform id as product surfaces show it.
func Views() []View {
	out := make([]View, 0, len(model))
	for _, p := range model {
		v := View{ID: p.ID, Family: p.Family, State: p.SupportState(), Mode: p.Mode,
			Onboarding: p.Onboarding, Projections: p.Projections, Variants: p.RuntimeVariants}
		if p.Augmentation != nil {
			v.Augmentation = p.Augmentation.Description
		}
		if p.Floor != nil {
			if p.Supported() {
				v.Floor = p.Floor.Classes
			} else {
				v.ProposedFloor = p.Floor.Classes
			}
		}
		out = append(out, v)
	}
	return out
}
