package sdk

import (
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Declaration is everything a plugin claims about its platform. The core
// refuses a plugin whose declaration claims more than the governed model
// admits for its platform id.
type Declaration struct {
	// Platform is the governed platform id.
	Platform platform.ID
	// Family is the platform family.
	Family platform.Family
	// Mode is the primary ingestion mode.
	Mode platform.Mode
	// Onboarding is the onboarding path.
	Onboarding platform.Onboarding
	// Projections are the canonical types the plugin emits.
	Projections []resource.Type
	// Surfaces classifies each of the eight support-floor surfaces.
	Surfaces map[platform.Surface]platform.Class
	// Augmentation lists the augmentation rules the plugin relies on.
	Augmentation []AugmentationRule
	// IdentityKeys are the identity key kinds the plugin emits.
	IdentityKeys []resource.KeyKind
	// Version is the plugin version.
	Version string
	// Actions are the control actions Execute performs.
	Actions []string
}

// AugmentationRule says that records from Source may merge into resources of
// ResourceType this plugin emits, through the identity Keys.
type AugmentationRule struct {
	Source       platform.ID
	ResourceType resource.Type
	Keys         []resource.KeyKind
}

// AttrType is the type of a connection block attribute.
type AttrType string

// Attribute types.
const (
	TypeString     AttrType = "string"
	TypeNumber     AttrType = "number"
	TypeBool       AttrType = "bool"
	TypeDuration   AttrType = "duration"
	TypeStringList AttrType = "list(string)"
)

// Attribute is one attribute of a plugin's connection block.
type Attribute struct {
	// Name of the attribute.
	Name string
	// Type of its value.
	Type AttrType
	// Required is true when it must be set.
	Required bool
	// Sensitive marks secrets: never logged, printed or echoed.
	Sensitive bool
	// Description is one line for operators.
	Description string
	// ExactlyOneOf places the attribute in an alternative, written
	// "group:alternative" (e.g. "auth:token", "auth:password"). Attributes of
	// one alternative are set together, and exactly one alternative of each
	// group must be set. Leave empty when the attribute stands alone.
	ExactlyOneOf string
}

// Schema is the plugin-specific body of a connection block. The common
// attributes (enabled, poll_interval, timeout, tls) are the core's and must
// not appear here.
type Schema []Attribute

// Proto converts the declaration to its wire form.
func (d Declaration) Proto(watch bool) *pb.Declaration {
	out := &pb.Declaration{
		PlatformId:    string(d.Platform),
		Family:        string(d.Family),
		IngestionMode: string(d.Mode),
		Onboarding:    string(d.Onboarding),
		Surfaces:      make(map[string]string, len(d.Surfaces)),
		Version:       d.Version,
		Watch:         watch,
		Actions:       d.Actions,
	}
	for _, t := range d.Projections {
		out.Projections = append(out.Projections, string(t))
	}
	for s, c := range d.Surfaces {
		out.Surfaces[string(s)] = string(c)
	}
	for _, a := range d.Augmentation {
		r := &pb.AugmentationRule{Source: string(a.Source), ResourceType: string(a.ResourceType)}
		for _, k := range a.Keys {
			r.Keys = append(r.Keys, string(k))
		}
		out.Augmentation = append(out.Augmentation, r)
	}
	for _, k := range d.IdentityKeys {
		out.IdentityKeys = append(out.IdentityKeys, string(k))
	}
	return out
}

// Proto converts the schema to its wire form.
func (s Schema) Proto() *pb.ConfigSchemaResponse {
	out := &pb.ConfigSchemaResponse{}
	for _, a := range s {
		out.Attributes = append(out.Attributes, &pb.Attribute{
			Name: a.Name, Type: string(a.Type), Required: a.Required,
			Sensitive: a.Sensitive, Description: a.Description, ExactlyOneOf: a.ExactlyOneOf,
		})
	}
	return out
}

// SchemaFromProto converts a wire schema back to a Schema.
func SchemaFromProto(p *pb.ConfigSchemaResponse) Schema {
	var s Schema
	for _, a := range p.GetAttributes() {
		s = append(s, Attribute{
			Name: a.Name, Type: AttrType(a.Type), Required: a.Required,
			Sensitive: a.Sensitive, Description: a.Description, ExactlyOneOf: a.ExactlyOneOf,
		})
	}
	return s
}

// Floor builds a Surfaces map from eight classifications in the seed's column
// order: setup, visibility, workloads, storage, recovery, alerts, assistant
// read, assistant control. It panics on a count other than eight, which is a
// programming error in a package-level declaration.
func Floor(classes ...platform.Class) map[platform.Surface]platform.Class {
	if len(classes) != len(platform.Surfaces) {
		panic("sdk.Floor needs exactly eight classifications")
	}
	m := make(map[platform.Surface]platform.Class, len(classes))
	for i, s := range platform.Surfaces {
		m[s] = classes[i]
	}
	return m
}
