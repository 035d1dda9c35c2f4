package pve

import (
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Version is the adapter's version.
const Version = "0.1.0"

// Declaration is the adapter's fixed claim; it matches the governed row of
// proxmox-pve and claims nothing more. Assistant control is
// augmentation-only: control happens only through an enrolled pulse-agent on
// the node, so the plugin declares no actions.
var Declaration = sdk.Declaration{
	Platform:   "proxmox-pve",
	Family:     "Proxmox",
	Mode:       platform.ModeAPIBacked,
	Onboarding: platform.OnboardPlatformConnections,
	Version:    Version,
	Projections: []resource.Type{
		resource.TypeAgent, resource.TypeVM, resource.TypeSystemContainer,
		resource.TypeStorage, resource.TypeCeph, resource.TypePhysicalDisk,
	},
	Surfaces: map[platform.Surface]platform.Class{
		platform.SurfaceSetup:            platform.ClassSupported,
		platform.SurfaceVisibility:       platform.ClassSupported,
		platform.SurfaceWorkloads:        platform.ClassSupported,
		platform.SurfaceStorage:          platform.ClassSupported,
		platform.SurfaceRecovery:         platform.ClassSupported,
		platform.SurfaceAlerts:           platform.ClassSupported,
		platform.SurfaceAssistantRead:    platform.ClassSupported,
		platform.SurfaceAssistantControl: platform.ClassAugmentationOnly,
	},
	// A pulse-agent on a PVE node reports cluster-node "<cluster>/<node>"
	// read from /etc/pve/.members (cluster.name and nodename), the same value
	// this plugin derives from /cluster/status; the strong key merges both
	// into one hybrid agent resource with the API as primary.
	Augmentation: []sdk.AugmentationRule{{
		Source: "agent", ResourceType: resource.TypeAgent,
		Keys: []resource.KeyKind{resource.KeyClusterNode},
	}},
	IdentityKeys: []resource.KeyKind{
		resource.KeyClusterNode, resource.KeyClusterGuest, resource.KeyHostname, resource.KeyDiskSerial, resource.KeyDiskWWN,
	},
}

// Schema is the body of `connection "proxmox-pve" "name" { ... }`.
var Schema = sdk.Schema{
	{Name: "endpoints", Type: sdk.TypeStringList, Required: true,
		Description: "API URLs of members of one cluster, e.g. https://pve1:8006; the next is tried when one is down"},
	{Name: "token_id", Type: sdk.TypeString, ExactlyOneOf: "auth:token",
		Description: "API token id, user@realm!tokenid"},
	{Name: "token_secret", Type: sdk.TypeString, Sensitive: true, ExactlyOneOf: "auth:token",
		Description: "API token secret (a UUID)"},
	{Name: "username", Type: sdk.TypeString, ExactlyOneOf: "auth:password",
		Description: "user@realm for ticket login, when no API token is used"},
	{Name: "password", Type: sdk.TypeString, Sensitive: true, ExactlyOneOf: "auth:password",
		Description: "password for ticket login"},
}
