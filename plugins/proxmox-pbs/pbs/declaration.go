package pbs

import (
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Version is the adapter's version.
const Version = "0.1.0"

// Declaration is the adapter's fixed claim; it matches the governed row of
// proxmox-pbs and claims nothing more. Control is read-only: no actions.
var Declaration = sdk.Declaration{
	Platform:    "proxmox-pbs",
	Family:      "Proxmox",
	Mode:        platform.ModeAPIBacked,
	Onboarding:  platform.OnboardPlatformConnections,
	Version:     Version,
	Projections: []resource.Type{resource.TypePBS, resource.TypeStorage},
	Surfaces: sdk.Floor(platform.ClassSupported, platform.ClassSupported, platform.ClassNotApplicable,
		platform.ClassSupported, platform.ClassSupported, platform.ClassSupported, platform.ClassSupported,
		platform.ClassReadOnly),
	// A pulse-agent on the PBS host reports pbs-instance-id (the value of
	// GET /nodes/localhost/identity on that host); the strong key merges the
	// agent's host record into this plugin's pbs resource, the API primary.
	Augmentation: []sdk.AugmentationRule{{
		Source: "agent", ResourceType: resource.TypePBS,
		Keys: []resource.KeyKind{resource.KeyPBSInstanceID},
	}},
	IdentityKeys: []resource.KeyKind{resource.KeyPBSInstanceID, resource.KeyHostname},
}

// Schema is the body of `connection "proxmox-pbs" "name" { ... }`.
var Schema = sdk.Schema{
	{Name: "endpoint", Type: sdk.TypeString, ExactlyOneOf: "target:one",
		Description: "API URL of the backup server, e.g. https://pbs1:8007"},
	{Name: "endpoints", Type: sdk.TypeStringList, ExactlyOneOf: "target:many",
		Description: "API URLs of the same server (several addresses); the next is tried when one is down"},
	{Name: "token_id", Type: sdk.TypeString, ExactlyOneOf: "auth:token",
		Description: "API token id, user@realm!tokenname"},
	{Name: "token_secret", Type: sdk.TypeString, Sensitive: true, ExactlyOneOf: "auth:token",
		Description: "API token secret"},
	{Name: "username", Type: sdk.TypeString, ExactlyOneOf: "auth:password",
		Description: "user@realm for ticket login, when no API token is used"},
	{Name: "password", Type: sdk.TypeString, Sensitive: true, ExactlyOneOf: "auth:password",
		Description: "password for ticket login"},
	{Name: "usage_warning", Type: sdk.TypeNumber,
		Description: "datastore usage ratio that raises a warning (default 0.80)"},
	{Name: "usage_critical", Type: sdk.TypeNumber,
		Description: "datastore usage ratio that raises a critical alert (default 0.90)"},
	{Name: "pve_clusters", Type: sdk.TypeStringList,
		Description: "which Proxmox VE cluster backs up into which namespace, as \"namespace=cluster\" (\"=cluster\" for the root namespace): vm/ct recovery points then reference those guests"},
	{Name: "refresh_interval", Type: sdk.TypeDuration,
		Description: "re-list every group's snapshots this often even when unchanged, to pick up verification, protection and comment changes (default 1h)"},
}
