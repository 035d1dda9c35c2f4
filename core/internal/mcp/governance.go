package mcp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// Support labels carried by every platform-bearing record the tools return.
const (
	labelSupported = "supported"
	labelAdmitted  = "admitted"
)

// readable reports whether the assistant may read what platform id
// contributes: a governed, connectable or agent-onboarded platform whose
// assistant-read surface is supported (for an admitted platform, in its
// proposed floor; its records are then labelled admitted).
func readable(id string) (platform.Platform, bool) {
	p, ok := platform.Lookup(platform.ID(id))
	if !ok || p.Admission == platform.AdmissionPresentationOnly || p.Floor == nil {
		return p, false
	}
	return p, p.Floor.Class(platform.SurfaceAssistantRead) == platform.ClassSupported
}

// readablePlatforms lists the ids of every readable platform, in model order.
func readablePlatforms() []string {
	var out []string
	for _, p := range platform.All() {
		if _, ok := readable(string(p.ID)); ok {
			out = append(out, string(p.ID))
		}
	}
	return out
}

// readableTypes lists the canonical types some readable platform projects,
// in the canonical order.
func readableTypes() []string {
	var out []string
	for _, t := range resource.Types {
		for _, id := range readablePlatforms() {
			if p, _ := platform.Lookup(platform.ID(id)); p.Projects(string(t)) {
				out = append(out, string(t))
				break
			}
		}
	}
	return out
}

// notSupported lists the readable platforms that are not supported, with
// their state, e.g. "vmware-vsphere (admitted, not supported)".
func notSupported() []string {
	var out []string
	for _, id := range readablePlatforms() {
		if p, _ := platform.Lookup(platform.ID(id)); !p.Supported() {
			out = append(out, fmt.Sprintf("%s (%s, not supported)", id, p.SupportState()))
		}
	}
	return out
}

// supportLabel is the label of a record contributed by the given platforms:
// "supported" only when every one of them is supported, otherwise the state
// of the first that is not (for an admitted platform, "admitted").
func supportLabel(ids ...string) string {
	for _, id := range ids {
		p, ok := platform.Lookup(platform.ID(id))
		if !ok {
			return "unknown"
		}
		if !p.Supported() {
			return p.SupportState()
		}
	}
	return labelSupported
}

// resourceLabel labels a resource by every platform that contributes to it.
func resourceLabel(r resource.Resource) string {
	ids := []string{r.Platform}
	for _, s := range r.Sources {
		ids = append(ids, s.Platform)
	}
	return supportLabel(ids...)
}

// resourceReadable reports whether the assistant may read r: its primary
// platform is readable.
func resourceReadable(r resource.Resource) bool {
	_, ok := readable(r.Platform)
	return ok
}

// controlClass is a platform's assistant-control classification; an
// admitted platform's comes from its proposed floor.
func controlClass(p platform.Platform) platform.Class {
	if p.Floor == nil {
		return platform.ClassNotApplicable
	}
	return p.Floor.Class(platform.SurfaceAssistantControl)
}

// catalogue holds the control actions declared by each platform's running
// plugin, as the core's plugin status reports them.
type catalogue map[string][]string

func newCatalogue(plugins []pluginhost.PluginStatus) catalogue {
	c := catalogue{}
	for _, p := range plugins {
		if len(p.Actions) > 0 {
			c[p.Platform] = slices.Clone(p.Actions)
		}
	}
	return c
}

// key identifies the catalogue's content.
func (c catalogue) key() string {
	ids := make([]string, 0, len(c))
	for id, acts := range c {
		ids = append(ids, id+"="+strings.Join(acts, ","))
	}
	slices.Sort(ids)
	return strings.Join(ids, ";")
}

// offered returns the actions the assistant may run on resources of platform
// p, and the platform whose source performs them. Only a supported platform
// with assistant control supported offers its own declared actions; an
// augmentation-only platform offers the declared actions of its augmenting
// source (the enrolled agent), and only on resources that agent augments.
func (c catalogue) offered(p platform.Platform) (actions []string, via string) {
	if !p.Supported() {
		return nil, ""
	}
	switch controlClass(p) {
	case platform.ClassSupported:
		return c[string(p.ID)], string(p.ID)
	case platform.ClassAugmentationOnly:
		if p.Augmentation != nil {
			src, ok := platform.Lookup(p.Augmentation.Source)
			if ok && src.Supported() && controlClass(src) == platform.ClassSupported {
				return c[string(src.ID)], string(src.ID)
			}
		}
	}
	return nil, ""
}

// controlSummary describes, from the model and the catalogue, where the
// assistant may act; it is part of run_action's description.
func (c catalogue) controlSummary() string {
	var sup, aug, other []string
	for _, p := range platform.All() {
		if _, ok := readable(string(p.ID)); !ok {
			continue
		}
		acts, via := c.offered(p)
		switch {
		case !p.Supported():
			other = append(other, fmt.Sprintf("%s is %s, not supported (assistant control %s): never", p.ID, p.SupportState(), controlClass(p)))
		case controlClass(p) == platform.ClassSupported:
			sup = append(sup, fmt.Sprintf("%s: %s", p.ID, actionList(acts)))
		case controlClass(p) == platform.ClassAugmentationOnly:
			aug = append(aug, fmt.Sprintf("%s: only through an enrolled %s source augmenting the resource (%s)", p.ID, via, actionList(acts)))
		default:
			other = append(other, fmt.Sprintf("%s is %s: never", p.ID, controlClass(p)))
		}
	}
	var b strings.Builder
	b.WriteString("Assistant control by platform, from the governed model and the actions the running plugins declare. Supported: ")
	b.WriteString(joinOr(sup, "none"))
	if len(aug) > 0 {
		b.WriteString(". Augmentation-only: ")
		b.WriteString(strings.Join(aug, "; "))
	}
	if len(other) > 0 {
		b.WriteString(". Refused: ")
		b.WriteString(strings.Join(other, "; "))
	}
	b.WriteString(".")
	return b.String()
}

func actionList(a []string) string {
	if len(a) == 0 {
		return "no actions declared by a running source"
	}
	return strings.Join(a, ", ")
}

// joinOr joins clauses with "; ", or returns empty when there are none.
func joinOr(s []string, empty string) string {
	if len(s) == 0 {
		return empty
	}
	return strings.Join(s, "; ")
}

// listOr joins names with ", ", or returns empty when there are none.
func listOr(s []string, empty string) string {
	if len(s) == 0 {
		return empty
	}
	return strings.Join(s, ", ")
}
