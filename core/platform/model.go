package platform

// The governed model, transcribed from the seed's "Pulse v6 Platform Support
// Model" (last updated 2026-03-31). Change it only when the seed changes.

// SeedRevision identifies the seed revision this model transcribes.
const SeedRevision = "pulse-v6-platform-support-model 2026-03-31"

func floor(setup string, c ...Class) *Floor {
	f := &Floor{SetupDetail: setup, Classes: make(map[Surface]Class, len(Surfaces))}
	for i, s := range Surfaces {
		f.Classes[s] = c[i]
	}
	return f
}

const (
	sup = ClassSupported
	na  = ClassNotApplicable
	ro  = ClassReadOnly
	aug = ClassAugmentationOnly
)

var agentAugmentation = &Augmentation{
	Source:      "agent",
	Description: "host agent may augment into hybrid",
	Hybrid:      true,
}

// pbsAugmentation is the same rule for Proxmox Backup Server, whose host
// projects as pbs rather than agent: an agent on the PBS host merges into
// the pbs resource (pbs-instance-id is the shared strong key).
var pbsAugmentation = &Augmentation{
	Source:      "agent",
	Description: "host agent may augment into hybrid",
	Hybrid:      true,
	HostType:    "pbs",
}

// model holds every governed platform id in the seed's order. It is private so
// that nothing can mutate it; use All, Lookup and the query functions.
var model = []Platform{
	{
		ID: "agent", Family: "Pulse-managed host", Admission: AdmissionFirstClass,
		Readiness: ReadinessSupported, Mode: ModeAgentBacked, Onboarding: OnboardInstallWorkspace,
		Projections: []string{"agent", "storage", "physical-disk"},
		Floor:       floor("install workspace", sup, sup, na, sup, na, sup, sup, sup),
	},
	{
		ID: "docker", Family: "container runtime", Admission: AdmissionFirstClass,
		Readiness: ReadinessSupported, Mode: ModeAgentBacked, Onboarding: OnboardInstallWorkspace,
		EntryPoint:      "runtime enablement",
		Projections:     []string{"agent", "app-container", "docker-service"},
		Floor:           floor("install workspace / runtime enablement", sup, sup, sup, na, na, sup, sup, sup),
		RuntimeVariants: []string{"podman"},
	},
	{
		ID: "kubernetes", Family: "cluster runtime", Admission: AdmissionFirstClass,
		Readiness: ReadinessSupported, Mode: ModeAgentBacked, Onboarding: OnboardInstallWorkspace,
		EntryPoint:  "runtime enablement",
		Projections: []string{"k8s-cluster", "k8s-node", "pod", "k8s-deployment"},
		Floor:       floor("install workspace / runtime enablement", sup, sup, sup, na, sup, sup, sup, sup),
	},
	{
		ID: "proxmox-pve", Family: "Proxmox", Admission: AdmissionFirstClass,
		Readiness: ReadinessSupported, Mode: ModeAPIBacked, Onboarding: OnboardPlatformConnections,
		Augmentation:    agentAugmentation,
		Projections:     []string{"agent", "vm", "system-container", "storage", "ceph", "physical-disk"},
		Floor:           floor("platform connections", sup, sup, sup, sup, sup, sup, sup, aug),
		RuntimeVariants: []string{"qemu", "lxc"},
	},
	{
		ID: "proxmox-pbs", Family: "Proxmox", Admission: AdmissionFirstClass,
		Readiness: ReadinessSupported, Mode: ModeAPIBacked, Onboarding: OnboardPlatformConnections,
		Augmentation: pbsAugmentation,
		Projections:  []string{"pbs", "storage"},
		Floor:        floor("platform connections", sup, sup, na, sup, sup, sup, sup, ro),
	},
	{
		ID: "proxmox-pmg", Family: "Proxmox", Admission: AdmissionFirstClass,
		Readiness: ReadinessSupported, Mode: ModeAPIBacked, Onboarding: OnboardPlatformConnections,
		Projections: []string{"pmg"},
		Floor:       floor("platform connections", sup, sup, na, na, na, sup, sup, ro),
	},
	{
		ID: "truenas", Family: "TrueNAS", Admission: AdmissionFirstClass,
		Readiness: ReadinessSupported, Mode: ModeAPIBacked, Onboarding: OnboardPlatformConnections,
		Augmentation: agentAugmentation,
		Projections:  []string{"agent", "app-container", "storage", "physical-disk"},
		Floor:        floor("platform connections", sup, sup, sup, sup, sup, sup, sup, sup),
	},
	{
		ID: "vmware-vsphere", Family: "VMware", Admission: AdmissionAdmitted,
		Readiness: ReadinessFirstLabReady, Mode: ModeAPIBacked, Onboarding: OnboardPlatformConnections,
		EntryPoint:  "vCenter",
		Projections: []string{"agent", "vm", "storage"},
		// The proposed phase-1 floor: not a support claim.
		Floor: floor("platform connections to vCenter only", sup, sup, sup, sup, na, sup, sup, ro),
		Exclusions: []string{
			"direct ESXi onboarding",
			"physical-disk projection, including vSAN-only physical disk health APIs",
			"system-container or app-container projections",
			"treating vSphere snapshots as shared Pulse recovery support",
			"assistant or operator control for VM power, snapshot lifecycle, or guest operations",
			"any provider-local resource type, page shell, or AI tool family",
		},
	},
	{ID: "unraid", Admission: AdmissionPresentationOnly},
	{ID: "synology-dsm", Admission: AdmissionPresentationOnly},
	{ID: "microsoft-hyperv", Admission: AdmissionPresentationOnly},
	{ID: "aws", Admission: AdmissionPresentationOnly},
	{ID: "azure", Admission: AdmissionPresentationOnly},
	{ID: "gcp", Admission: AdmissionPresentationOnly},
}

// ProviderLocalExceptions are the canonical types that exist for one provider
// only, admitted as exceptions to the no-provider-local-types rule.
var ProviderLocalExceptions = map[string]ID{"pbs": "proxmox-pbs", "pmg": "proxmox-pmg"}
