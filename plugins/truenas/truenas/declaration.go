package truenas

import (
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Version is the adapter's version.
const Version = "0.1.0"

// Actions are the control actions Execute performs, on apps only.
var Actions = []string{"start", "stop", "restart"}

// Declaration is the adapter's fixed claim: the governed row of truenas,
// all eight surfaces supported, control included (app start, stop and
// restart). TrueNAS VMs are not among the governed projections and are not
// read.
var Declaration = sdk.Declaration{
	Platform:   "truenas",
	Family:     "TrueNAS",
	Mode:       platform.ModeAPIBacked,
	Onboarding: platform.OnboardPlatformConnections,
	Version:    Version,
	Projections: []resource.Type{
		resource.TypeAgent, resource.TypeAppContainer, resource.TypeStorage, resource.TypePhysicalDisk,
	},
	Surfaces: sdk.Floor(platform.ClassSupported, platform.ClassSupported, platform.ClassSupported, platform.ClassSupported,
		platform.ClassSupported, platform.ClassSupported, platform.ClassSupported, platform.ClassSupported),
	IdentityKeys: []resource.KeyKind{
		resource.KeyHostname, resource.KeyDMISerial, resource.KeyDiskSerial, resource.KeyDiskWWN,
	},
	Actions: Actions,
}

// Schema is the body of `connection "truenas" "name" { ... }`.
var Schema = sdk.Schema{
	{Name: "endpoint", Type: sdk.TypeString, Required: true,
		Description: "the middleware's WebSocket URL, wss://host/api/current"},
	{Name: "api_key", Type: sdk.TypeString, Required: true, Sensitive: true,
		Description: "an API key of a user with the read roles (and APPS_WRITE for control); use env() or file()"},
	{Name: "allow_insecure_transport", Type: sdk.TypeBool,
		Description: "permit ws:// (the key travels without TLS, and TrueNAS revokes such keys); labs only"},
	{Name: "dataset_depth", Type: sdk.TypeNumber,
		Description: "project datasets this many levels below the pool root (default 2; 0 projects none)"},
	{Name: "snapshot_interval", Type: sdk.TypeDuration,
		Description: "how often snapshots and SMART results are re-read (default \"5m\"); other data every poll"},
	{Name: "disk_temperature_warning", Type: sdk.TypeNumber,
		Description: "°C at which an HDD or SATA SSD is too hot (default 55)"},
	{Name: "nvme_temperature_warning", Type: sdk.TypeNumber,
		Description: "°C at which an NVMe drive is too hot (default 70)"},
}
