package pmg

import (
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Version is the adapter's version.
const Version = "0.1.0"

// Declaration is the adapter's fixed claim; it matches the governed row of
// proxmox-pmg (no storage, no recovery: configuration backups are not
// recovery points) and claims nothing more. Control is read-only.
var Declaration = sdk.Declaration{
	Platform:    "proxmox-pmg",
	Family:      "Proxmox",
	Mode:        platform.ModeAPIBacked,
	Onboarding:  platform.OnboardPlatformConnections,
	Version:     Version,
	Projections: []resource.Type{resource.TypePMG},
	Surfaces: sdk.Floor(platform.ClassSupported, platform.ClassSupported, platform.ClassNotApplicable,
		platform.ClassNotApplicable, platform.ClassNotApplicable, platform.ClassSupported, platform.ClassSupported,
		platform.ClassReadOnly),
	IdentityKeys: []resource.KeyKind{resource.KeyHostname},
}

// Schema is the body of `connection "proxmox-pmg" "name" { ... }`. PMG has
// no API tokens: the adapter logs in with a ticket.
var Schema = sdk.Schema{
	{Name: "endpoint", Type: sdk.TypeString, ExactlyOneOf: "target:one",
		Description: "API URL of a gateway node (the master of a cluster), e.g. https://pmg1:8006"},
	{Name: "endpoints", Type: sdk.TypeStringList, ExactlyOneOf: "target:many",
		Description: "API URLs of several nodes of one cluster; the next is tried when one is down"},
	{Name: "username", Type: sdk.TypeString, Required: true,
		Description: "user@realm for ticket login (PMG has no API tokens), e.g. pulse@pmg with the audit role"},
	{Name: "password", Type: sdk.TypeString, Required: true, Sensitive: true,
		Description: "password for ticket login"},
	{Name: "queue_warning", Type: sdk.TypeNumber, Description: "messages queued on a node (all queues) that raise a warning (default 500)"},
	{Name: "queue_critical", Type: sdk.TypeNumber, Description: "messages queued on a node that raise a critical alert (default 1000)"},
	{Name: "deferred_warning", Type: sdk.TypeNumber, Description: "deferred messages on a node that raise a warning (default 200)"},
	{Name: "deferred_critical", Type: sdk.TypeNumber, Description: "deferred messages on a node that raise a critical alert (default 500)"},
	{Name: "hold_warning", Type: sdk.TypeNumber, Description: "held messages on a node that raise a warning (default 100)"},
	{Name: "hold_critical", Type: sdk.TypeNumber, Description: "held messages on a node that raise a critical alert (default 300)"},
	{Name: "oldest_warning", Type: sdk.TypeDuration, Description: "age of the oldest queued message that raises a warning (default 30m)"},
	{Name: "oldest_critical", Type: sdk.TypeDuration, Description: "age of the oldest queued message that raises a critical alert (default 60m)"},
	{Name: "quarantine_growth", Type: sdk.TypeNumber, Description: "quarantined messages added within an hour that raise a warning (default 500)"},
	{Name: "stats_window", Type: sdk.TypeDuration, Description: "window of the mail statistics (default 1h)"},
}
