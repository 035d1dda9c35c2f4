package vsphere

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Version is the adapter version.
const Version = "0.1.0"

// Declaration is the adapter's fixed claim: exactly the seed's proposed
// phase-1 floor for vmware-vsphere (vCenter only, api-backed, agent/vm/storage
// projections, recovery n/a, assistant control read-only), no actions and no
// augmentation. The governed model keeps the platform at first-lab-ready.
var Declaration = sdk.Declaration{
	Platform:    "vmware-vsphere",
	Family:      "VMware",
	Mode:        platform.ModeAPIBacked,
	Onboarding:  platform.OnboardPlatformConnections,
	Version:     Version,
	Projections: []resource.Type{resource.TypeAgent, resource.TypeVM, resource.TypeStorage},
	Surfaces: map[platform.Surface]platform.Class{
		platform.SurfaceSetup:            platform.ClassSupported,
		platform.SurfaceVisibility:       platform.ClassSupported,
		platform.SurfaceWorkloads:        platform.ClassSupported,
		platform.SurfaceStorage:          platform.ClassSupported,
		platform.SurfaceRecovery:         platform.ClassNotApplicable,
		platform.SurfaceAlerts:           platform.ClassSupported,
		platform.SurfaceAssistantRead:    platform.ClassSupported,
		platform.SurfaceAssistantControl: platform.ClassReadOnly,
	},
	IdentityKeys: []resource.KeyKind{
		resource.KeyHostHardwareUUID, resource.KeyVMInstanceUUID, resource.KeyVMBIOSUUID,
		resource.KeyHostname, resource.KeyIP,
	},
}

// Schema is the body of `connection "vmware-vsphere" "name" { ... }`.
var Schema = sdk.Schema{
	{Name: "endpoint", Type: sdk.TypeString, Required: true,
		Description: "vCenter Server URL or host name, e.g. https://vcenter.example/sdk (the /sdk path is added when missing)"},
	{Name: "username", Type: sdk.TypeString, Required: true,
		Description: "vCenter user with a read-only role, e.g. pulse@vsphere.local"},
	{Name: "password", Type: sdk.TypeString, Required: true, Sensitive: true,
		Description: "password of username; use env() or file()"},
	{Name: "datacenters", Type: sdk.TypeStringList,
		Description: "only collect these datacenters (by name); all when unset"},
	{Name: "perf_interval", Type: sdk.TypeDuration,
		Description: "minimum time between realtime performance gathers; 0 gathers on every collect (default)"},
}

// config is the decoded connection block.
type config struct {
	Endpoint     string   `json:"endpoint"`
	Username     string   `json:"username"`
	Password     string   `json:"password"`
	Datacenters  []string `json:"datacenters,omitempty"`
	PerfInterval string   `json:"perf_interval,omitempty"`

	url          *url.URL
	perfInterval time.Duration
}

// validate checks the block and normalises the endpoint.
func (c *config) validate(name string) error {
	if c.Username == "" || c.Password == "" {
		return fmt.Errorf("%w: connection %q: username and password are required", sdk.ErrInvalidConfig, name)
	}
	u, err := normaliseEndpoint(c.Endpoint)
	if err != nil {
		return fmt.Errorf("%w: connection %q: %v", sdk.ErrInvalidConfig, name, err)
	}
	c.url = u
	if c.PerfInterval != "" {
		d, err := time.ParseDuration(c.PerfInterval)
		if err != nil || d < 0 {
			return fmt.Errorf("%w: connection %q: perf_interval %q is not a duration like \"60s\"", sdk.ErrInvalidConfig, name, c.PerfInterval)
		}
		c.perfInterval = d
	}
	return nil
}

// normaliseEndpoint accepts "vcenter.example", "vcenter.example:443",
// "https://vcenter.example" or "https://vcenter.example/sdk" and returns the
// SDK URL (https, path /sdk).
func normaliseEndpoint(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("endpoint is required (the vCenter URL, e.g. https://vcenter.example/sdk)")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q is not a URL: %v", s, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("endpoint %q: scheme must be https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint %q has no host", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("endpoint %q must not carry credentials; use username and password", u.Redacted())
	}
	if p := strings.TrimSuffix(u.Path, "/"); p == "" {
		u.Path = "/sdk"
	} else {
		u.Path = p
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}
