// Package platform is the governed platform support model of Pulse as data.
//
// It is the single source of truth for platform ids, families, ingestion modes,
// onboarding paths, canonical projections, the eight-surface support floor and
// readiness stages. Everything else (the plugin host's capability checks, the
// CLI's support matrix, PLATFORM_SUPPORT_MANIFEST.json) is derived from it.
package platform

// ID is a canonical platform id such as "proxmox-pve".
type ID string

// Family groups platforms for presentation; it is never the support unit.
type Family string

// Mode is a primary ingestion mode.
type Mode string

// The canonical ingestion modes.
const (
	ModeAPIBacked   Mode = "api-backed"
	ModeAgentBacked Mode = "agent-backed"
	ModeHybrid      Mode = "hybrid"
)

// Onboarding is the canonical onboarding path of a platform.
type Onboarding string

// The canonical onboarding paths.
const (
	OnboardPlatformConnections Onboarding = "platform-connections"
	OnboardInstallWorkspace    Onboarding = "install-workspace"
)

// Admission says how far a platform id is governed.
type Admission string

// Admission states. Only first-class platforms can be supported; admitted
// platforms are real engineering work without a support claim;
// presentation-only ids normalize vocabulary and can never be connected.
const (
	AdmissionFirstClass       Admission = "first-class"
	AdmissionAdmitted         Admission = "admitted"
	AdmissionPresentationOnly Admission = "presentation-only"
)

// Readiness is a governed readiness stage.
type Readiness string

// Readiness stages, in order. Only ReadinessSupported changes the support matrix.
const (
	ReadinessArchitectureLocked Readiness = "architecture-locked"
	ReadinessFirstLabReady      Readiness = "first-lab-ready"
	ReadinessSupported          Readiness = "supported"
)

// Surface is one of the eight product surfaces of the support floor.
type Surface string

// The eight support-floor surfaces, in the seed's order.
const (
	SurfaceSetup            Surface = "setup"
	SurfaceVisibility       Surface = "visibility"
	SurfaceWorkloads        Surface = "workloads"
	SurfaceStorage          Surface = "storage"
	SurfaceRecovery         Surface = "recovery"
	SurfaceAlerts           Surface = "alerts"
	SurfaceAssistantRead    Surface = "assistant-read"
	SurfaceAssistantControl Surface = "assistant-control"
)

// Surfaces lists the eight surfaces in the seed's column order.
var Surfaces = []Surface{
	SurfaceSetup, SurfaceVisibility, SurfaceWorkloads, SurfaceStorage,
	SurfaceRecovery, SurfaceAlerts, SurfaceAssistantRead, SurfaceAssistantControl,
}

// Class is the classification of one surface in a support-floor row.
type Class string

// Surface classifications. Every surface may be Supported, NotApplicable or
// Unsupported (explicitly not provided); assistant control must be exactly one
// of Supported, AugmentationOnly, ReadOnly or NotApplicable.
const (
	ClassSupported        Class = "supported"
	ClassAugmentationOnly Class = "augmentation-only"
	ClassReadOnly         Class = "read-only"
	ClassNotApplicable    Class = "n/a"
	ClassUnsupported      Class = "unsupported"
)

// ControlClasses are the only values assistant control may take.
var ControlClasses = []Class{ClassSupported, ClassAugmentationOnly, ClassReadOnly, ClassNotApplicable}

// rank orders classifications by how much they claim, for "claims more than
// the model admits" checks.
func (c Class) rank() int {
	switch c {
	case ClassSupported:
		return 4
	case ClassAugmentationOnly:
		return 3
	case ClassReadOnly:
		return 2
	case ClassUnsupported, ClassNotApplicable:
		return 1
	}
	return 0
}

// Exceeds reports whether c claims more than limit.
func (c Class) Exceeds(limit Class) bool { return c.rank() > limit.rank() }

// Floor is one support-floor row: a classification per surface, plus the
// wording of the setup column.
type Floor struct {
	// SetupDetail is the seed's setup wording, e.g. "platform connections".
	SetupDetail string `json:"setup_detail"`
	// Classes holds the classification of each of the eight surfaces.
	Classes map[Surface]Class `json:"surfaces"`
}

// Class returns the classification of s, or "" when the row leaves it blank.
func (f Floor) Class(s Surface) Class { return f.Classes[s] }

// Augmentation describes an optional augmentation path into a platform.
type Augmentation struct {
	// Source is the platform whose records may augment, always "agent" today.
	Source ID `json:"source"`
	// Description is the seed's wording of the rule.
	Description string `json:"description"`
	// Hybrid is true when augmentation merges into one hybrid resource.
	Hybrid bool `json:"hybrid"`
	// HostType is the canonical type of the platform's host resource that
	// an agent's host record (type agent) merges into when they share a
	// strong identity key. Empty means agent: the platform projects its
	// hosts as agent (PVE nodes, TrueNAS). proxmox-pbs projects its server
	// as pbs, so an agent on a PBS host merges into the pbs resource.
	HostType string `json:"host_type,omitempty"`
}

// AgentMergesInto returns the canonical type an agent host record may merge
// into on platform p ("" when the agent never merges with p).
func AgentMergesInto(p Platform) string {
	if p.Augmentation == nil || !p.Augmentation.Hybrid || p.Augmentation.Source != "agent" {
		return ""
	}
	if p.Augmentation.HostType != "" {
		return p.Augmentation.HostType
	}
	return "agent"
}

// Platform is one governed platform id with everything the seed declares for it.
type Platform struct {
	ID        ID        `json:"id"`
	Family    Family    `json:"family,omitempty"`
	Admission Admission `json:"admission"`
	// Readiness is set for first-class and admitted platforms.
	Readiness Readiness `json:"readiness,omitempty"`
	Mode      Mode      `json:"primary_mode,omitempty"`
	// Onboarding is the canonical onboarding path.
	Onboarding Onboarding `json:"onboarding_path,omitempty"`
	// EntryPoint narrows the onboarding path (vSphere: "vCenter").
	EntryPoint string `json:"entry_point,omitempty"`
	// Augmentation is the optional augmentation rule; nil means none.
	Augmentation *Augmentation `json:"augmentation,omitempty"`
	// Projections are the canonical resource types the platform projects into.
	Projections []string `json:"projections,omitempty"`
	// Floor is the support-floor row; for admitted platforms it is the
	// proposed floor, which is not a support claim.
	Floor *Floor `json:"floor,omitempty"`
	// RuntimeVariants are runtime variants inside this platform (podman in docker).
	RuntimeVariants []string `json:"runtime_variants,omitempty"`
	// Exclusions are what the platform must not project in its current phase.
	Exclusions []string `json:"exclusions,omitempty"`
}
