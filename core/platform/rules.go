package platform

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
)

// All returns a copy of every governed platform id, in the seed's order.
func All() []Platform {
	out := make([]Platform, len(model))
	copy(out, model)
	return out
}

// Lookup returns the governed platform with id, if any.
func Lookup(id ID) (Platform, bool) {
	for _, p := range model {
		if p.ID == id {
			return p, true
		}
	}
	return Platform{}, false
}

func filter(keep func(Platform) bool) []Platform {
	var out []Platform
	for _, p := range model {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// FirstClass returns the first-class platforms.
func FirstClass() []Platform {
	return filter(func(p Platform) bool { return p.Admission == AdmissionFirstClass })
}

// Admitted returns the admitted, not yet supported platforms.
func Admitted() []Platform {
	return filter(func(p Platform) bool { return p.Admission == AdmissionAdmitted })
}

// PresentationOnly returns the presentation-only vocabulary.
func PresentationOnly() []Platform {
	return filter(func(p Platform) bool { return p.Admission == AdmissionPresentationOnly })
}

// HybridCapable returns the platforms whose augmentation rule merges agent
// truth into a hybrid resource.
func HybridCapable() []Platform {
	return filter(func(p Platform) bool { return p.Augmentation != nil && p.Augmentation.Hybrid })
}

// Connectable returns the platforms a connection block may name: first-class
// and admitted platforms onboarded through platform connections.
func Connectable() []Platform {
	return filter(func(p Platform) bool {
		return p.Admission != AdmissionPresentationOnly && p.Onboarding == OnboardPlatformConnections
	})
}

// ConnectableIDs returns the ids of Connectable, sorted.
func ConnectableIDs() []string {
	var ids []string
	for _, p := range Connectable() {
		ids = append(ids, string(p.ID))
	}
	sort.Strings(ids)
	return ids
}

// Complete reports whether a floor row is fully and explicitly classified as
// the seed requires for support: each of the seven non-control surfaces is
// supported or n/a, and assistant control is exactly one of its four values.
// It returns the first problem found.
func (f Floor) Complete() (bool, string) {
	for _, s := range Surfaces {
		c := f.Classes[s]
		if s == SurfaceAssistantControl {
			if !slices.Contains(ControlClasses, c) {
				return false, fmt.Sprintf("assistant-control is %q; it must be one of supported, augmentation-only, read-only, n/a", c)
			}
			continue
		}
		if c != ClassSupported && c != ClassNotApplicable {
			if c == "" {
				c = "blank"
			}
			return false, fmt.Sprintf("%s is %s; a supported platform needs supported or n/a", s, c)
		}
	}
	return true, ""
}

// Supported reports whether p counts as supported: a first-class platform at
// readiness "supported" with a complete floor. Admitted and presentation-only
// ids are never supported, whatever else they carry.
func (p Platform) Supported() bool {
	if p.Admission != AdmissionFirstClass || p.Readiness != ReadinessSupported || p.Floor == nil {
		return false
	}
	ok, _ := p.Floor.Complete()
	return ok
}

// SupportState is the state the product may show for p: "supported",
// "admitted" (never "first-lab-ready" in product wording), or
// "presentation-only".
func (p Platform) SupportState() string {
	switch {
	case p.Supported():
		return "supported"
	case p.Admission == AdmissionPresentationOnly:
		return "presentation-only"
	default:
		return "admitted"
	}
}

// Projects reports whether p projects into resource type t.
func (p Platform) Projects(t string) bool { return slices.Contains(p.Projections, t) }

// CheckProjection returns an error when platform p may not project type t:
// the type is not canonical (provider-local types are refused), it is a
// provider-local exception owned by another platform, or p does not declare it.
func CheckProjection(p Platform, t string) error {
	if !resource.IsCanonical(resource.Type(t)) {
		return fmt.Errorf("resource type %q is not canonical (provider-local types are refused); canonical types are %s", t, typeList())
	}
	if owner, ok := ProviderLocalExceptions[t]; ok && owner != p.ID {
		return fmt.Errorf("resource type %q is reserved for %s", t, owner)
	}
	if !p.Projects(t) {
		return fmt.Errorf("platform %s does not project %q; its projections are %s", p.ID, t, strings.Join(p.Projections, ", "))
	}
	return nil
}

func typeList() string {
	s := make([]string, len(resource.Types))
	for i, t := range resource.Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// ValidateConnectionPlatform checks that id may carry a connection block and
// returns an error naming the valid ids when it may not.
func ValidateConnectionPlatform(id string) error {
	valid := strings.Join(ConnectableIDs(), ", ")
	p, ok := Lookup(ID(id))
	switch {
	case !ok:
		return fmt.Errorf("unknown platform id %q; valid platform ids for a connection block are: %s", id, valid)
	case p.Admission == AdmissionPresentationOnly:
		return fmt.Errorf("platform id %q is presentation-only vocabulary and cannot have a connection; valid platform ids for a connection block are: %s", id, valid)
	case p.Onboarding != OnboardPlatformConnections:
		return fmt.Errorf("platform %q is onboarded through the %s (pulse-agent), not a connection block; valid platform ids for a connection block are: %s", id, p.Onboarding, valid)
	}
	return nil
}

// Normalize maps vocabulary aliases seen in the wild onto governed ids; it
// returns the input unchanged when no alias applies.
func Normalize(s string) ID {
	k := strings.ToLower(strings.TrimSpace(s))
	if a, ok := aliases[k]; ok {
		return a
	}
	return ID(k)
}

var aliases = map[string]ID{
	"pve": "proxmox-pve", "proxmox": "proxmox-pve", "pbs": "proxmox-pbs", "pmg": "proxmox-pmg",
	"vmware": "vmware-vsphere", "vsphere": "vmware-vsphere", "hyperv": "microsoft-hyperv",
	"hyper-v": "microsoft-hyperv", "synology": "synology-dsm", "podman": "docker",
	"k8s": "kubernetes", "host": "agent",
}
