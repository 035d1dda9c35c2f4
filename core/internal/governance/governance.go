// Package governance checks a plugin's declaration against the governed
// platform model. A plugin may claim less than the model admits for its
// platform id, never more; every difference is named so an operator (or the
// plugin's author) can see exactly what was refused.
package governance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Problems is the list of differences between a declaration and the model.
type Problems []string

// Error joins the problems into one message.
func (p Problems) Error() string {
	return "declaration claims more than the governed model admits: " + strings.Join(p, "; ")
}

// Check returns the governed platform the declaration is for and every way
// the declaration exceeds or contradicts the model. An empty Problems means
// the plugin may be loaded.
func Check(d *pb.Declaration) (platform.Platform, Problems) {
	var probs Problems
	add := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }

	id := d.GetPlatformId()
	p, ok := platform.Lookup(platform.ID(id))
	if !ok {
		add("platform id %q is not governed (valid: %s)", id, strings.Join(platform.ConnectableIDs(), ", "))
		return platform.Platform{}, probs
	}
	if p.Admission == platform.AdmissionPresentationOnly {
		add("platform id %q is presentation-only vocabulary and cannot have a plugin", id)
		return p, probs
	}
	if d.GetFamily() != string(p.Family) {
		add("family is %q, the model says %q", d.GetFamily(), p.Family)
	}
	if d.GetIngestionMode() != string(p.Mode) {
		add("primary ingestion mode is %q, the model says %q", d.GetIngestionMode(), p.Mode)
	}
	if d.GetOnboarding() != string(p.Onboarding) {
		add("onboarding path is %q, the model says %q", d.GetOnboarding(), p.Onboarding)
	}
	if len(d.GetProjections()) == 0 {
		add("declares no canonical projections")
	}
	for _, t := range d.GetProjections() {
		if err := platform.CheckProjection(p, t); err != nil {
			add("projection: %v", err)
		}
	}
	probs = append(probs, checkSurfaces(p, d.GetSurfaces())...)
	for _, k := range d.GetIdentityKeys() {
		if !resource.IsKeyKind(resource.KeyKind(k)) {
			add("identity key kind %q is not known (known: %s)", k, keyKinds())
		}
	}
	for _, a := range d.GetAugmentation() {
		switch {
		case p.Augmentation == nil:
			add("declares augmentation from %q, but the model allows no augmentation for %s", a.GetSource(), p.ID)
		case a.GetSource() != string(p.Augmentation.Source):
			add("declares augmentation from %q, the model allows only %q", a.GetSource(), p.Augmentation.Source)
		case !p.Projects(a.GetResourceType()):
			add("augmentation targets %q, which %s does not project", a.GetResourceType(), p.ID)
		}
		for _, k := range a.GetKeys() {
			if resource.StrengthOf(resource.KeyKind(k)) != resource.Strong {
				add("augmentation key %q is not a strong identity key; weak keys never merge", k)
			}
		}
	}
	control := p.Floor.Class(platform.SurfaceAssistantControl)
	if len(d.GetActions()) > 0 && control != platform.ClassSupported {
		add("declares control actions %s, but assistant control for %s is %s", strings.Join(d.GetActions(), ", "), p.ID, control)
	}
	return p, probs
}

func checkSurfaces(p platform.Platform, got map[string]string) Problems {
	var probs Problems
	for name := range got {
		if !slices.Contains(platform.Surfaces, platform.Surface(name)) {
			probs = append(probs, fmt.Sprintf("surface %q is not one of the eight support-floor surfaces", name))
		}
	}
	for _, s := range platform.Surfaces {
		c, ok := got[string(s)]
		limit := p.Floor.Class(s)
		switch {
		case !ok || c == "":
			probs = append(probs, fmt.Sprintf("surface %s is not classified (blank coverage is not acceptable)", s))
		case s == platform.SurfaceAssistantControl && !slices.Contains(platform.ControlClasses, platform.Class(c)):
			probs = append(probs, fmt.Sprintf("assistant-control is %q; it must be one of supported, augmentation-only, read-only, n/a", c))
		case !validClass(platform.Class(c)):
			probs = append(probs, fmt.Sprintf("surface %s has unknown classification %q", s, c))
		case limit == platform.ClassNotApplicable && platform.Class(c) != platform.ClassNotApplicable:
			probs = append(probs, fmt.Sprintf("surface %s is %s, the model says n/a", s, c))
		case platform.Class(c).Exceeds(limit):
			probs = append(probs, fmt.Sprintf("surface %s is %s, the model admits at most %s", s, c, limit))
		}
	}
	return probs
}

func validClass(c platform.Class) bool {
	switch c {
	case platform.ClassSupported, platform.ClassAugmentationOnly, platform.ClassReadOnly,
		platform.ClassNotApplicable, platform.ClassUnsupported:
		return true
	}
	return false
}

func keyKinds() string {
	s := make([]string, len(resource.KeyKinds))
	for i, k := range resource.KeyKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
