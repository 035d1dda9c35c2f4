// Package testplugin is a fault-injecting platform plugin for the core's own
// tests and benchmarks. It serves "proxmox-pmg" (projecting only pmg
// resources) and misbehaves on demand: each Collect reads its mode from a
// control file, so a test can make a running plugin crash, hang, stall,
// flood or emit records outside its declaration. Its declaration lies when
// PULSE_TESTPLUGIN_LIE is set. It is never shipped.
package testplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// LieEnv names the environment variable that makes the declaration lie:
// "projection", "control", "platform", "surface" or "apiversion".
const LieEnv = "PULSE_TESTPLUGIN_LIE"

// Schema of the test plugin's connection block.
var Schema = sdk.Schema{
	{Name: "control_file", Type: sdk.TypeString, Description: "file whose content is the mode of the next Collect"},
	{Name: "count", Type: sdk.TypeNumber, Description: "resources per snapshot (default 3)"},
	{Name: "secret", Type: sdk.TypeString, Sensitive: true, Description: "a secret that must never be echoed"},
}

// served is the platform this binary serves and the type it projects: a
// binary named pulse-plugin-proxmox-pbs serves proxmox-pbs (pbs records), so
// tests can run two plugins at once; any other name serves proxmox-pmg.
func served() (string, resource.Type) {
	if strings.HasSuffix(filepath.Base(os.Args[0]), "proxmox-pbs") {
		return "proxmox-pbs", resource.TypePBS
	}
	return "proxmox-pmg", resource.TypePMG
}

func declaration() sdk.Declaration {
	if id, _ := served(); id == "proxmox-pbs" {
		return sdk.Declaration{
			Platform: "proxmox-pbs", Family: "Proxmox", Mode: platform.ModeAPIBacked,
			Onboarding: platform.OnboardPlatformConnections, Version: "0.0.1-test",
			Projections:  []resource.Type{resource.TypePBS},
			IdentityKeys: []resource.KeyKind{resource.KeyHostname},
			Surfaces: map[platform.Surface]platform.Class{
				platform.SurfaceSetup: platform.ClassSupported, platform.SurfaceVisibility: platform.ClassSupported,
				platform.SurfaceWorkloads: platform.ClassNotApplicable, platform.SurfaceStorage: platform.ClassSupported,
				platform.SurfaceRecovery: platform.ClassSupported, platform.SurfaceAlerts: platform.ClassSupported,
				platform.SurfaceAssistantRead: platform.ClassSupported, platform.SurfaceAssistantControl: platform.ClassReadOnly,
			},
		}
	}
	d := sdk.Declaration{
		Platform: "proxmox-pmg", Family: "Proxmox", Mode: platform.ModeAPIBacked,
		Onboarding: platform.OnboardPlatformConnections, Version: "0.0.1-test",
		Projections:  []resource.Type{resource.TypePMG},
		IdentityKeys: []resource.KeyKind{resource.KeyHostname},
		Surfaces: map[platform.Surface]platform.Class{
			platform.SurfaceSetup: platform.ClassSupported, platform.SurfaceVisibility: platform.ClassSupported,
			platform.SurfaceWorkloads: platform.ClassNotApplicable, platform.SurfaceStorage: platform.ClassNotApplicable,
			platform.SurfaceRecovery: platform.ClassNotApplicable, platform.SurfaceAlerts: platform.ClassSupported,
			platform.SurfaceAssistantRead: platform.ClassSupported, platform.SurfaceAssistantControl: platform.ClassReadOnly,
		},
	}
	switch os.Getenv(LieEnv) {
	case "projection":
		d.Projections = append(d.Projections, resource.TypeVM)
	case "control":
		d.Surfaces[platform.SurfaceAssistantControl] = platform.ClassSupported
	case "platform":
		d.Platform = "esxi"
	case "surface":
		d.Surfaces[platform.SurfaceRecovery] = platform.ClassSupported
	}
	return d
}

type conn struct {
	controlFile string
	count       int
}

// Adapter is the test platform.
type Adapter struct {
	log   hclog.Logger
	mu    sync.Mutex
	conns map[string]conn
}

var _ sdk.Platform = (*Adapter)(nil)

// New builds the adapter.
func New(log hclog.Logger) sdk.Platform { return &Adapter{log: log, conns: map[string]conn{}} }

// Declaration returns the (possibly lying) declaration.
func (a *Adapter) Declaration() sdk.Declaration { return declaration() }

// Schema returns Schema.
func (a *Adapter) Schema() sdk.Schema { return Schema }

// APIVersions lies about the wire version when asked to.
func (a *Adapter) APIVersions() []uint32 {
	if os.Getenv(LieEnv) == "apiversion" {
		return []uint32{99}
	}
	return sdk.APIVersions
}

// Configure keeps the connection's settings.
func (a *Adapter) Configure(_ context.Context, c sdk.Connection) error {
	var cfg struct {
		ControlFile string  `json:"control_file"`
		Count       float64 `json:"count"`
		Secret      string  `json:"secret"`
	}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	n := int(cfg.Count)
	if cfg.Count == 0 {
		n = 3
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.conns[c.Name] = conn{controlFile: cfg.ControlFile, count: n}
	return nil
}

func (a *Adapter) get(name string) (conn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.conns[name]
	if !ok {
		return conn{}, fmt.Errorf("%w: %s", sdk.ErrUnknownConnection, name)
	}
	return c, nil
}

func (c conn) mode() string {
	if c.controlFile == "" {
		return "ok"
	}
	b, err := os.ReadFile(c.controlFile)
	if err != nil {
		return "ok"
	}
	return strings.TrimSpace(string(b))
}

// Check reports the control sub-check.
func (a *Adapter) Check(_ context.Context, name string) (sdk.CheckReport, error) {
	c, err := a.get(name)
	if err != nil {
		return sdk.CheckReport{}, err
	}
	return sdk.CheckReport{EndpointVersion: "test-1", Checks: []sdk.SubCheck{{Name: "control", OK: true, Message: "mode " + c.mode()}}}, nil
}

// Collect behaves as the control file says.
func (a *Adapter) Collect(ctx context.Context, name string, out sdk.Emitter) error {
	c, err := a.get(name)
	if err != nil {
		return err
	}
	mode := c.mode()
	switch {
	case mode == "crash":
		a.log.Error("crashing on purpose")
		os.Exit(2)
	case mode == "hang":
		time.Sleep(time.Hour) // ignores ctx: a truly hung plugin
	case strings.HasPrefix(mode, "busy:"):
		// Like slow, but marks the collection in progress with the file
		// <control_file>.busy, so a test can kill the plugin mid-collect.
		d, _ := time.ParseDuration(strings.TrimPrefix(mode, "busy:"))
		busy := c.controlFile + ".busy"
		_ = os.WriteFile(busy, []byte(strconv.Itoa(os.Getpid())), 0o600)
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		_ = os.Remove(busy)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	case strings.HasPrefix(mode, "slow:"):
		d, _ := time.ParseDuration(strings.TrimPrefix(mode, "slow:"))
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	case mode == "error":
		return errors.New("upstream said no")
	case mode == "oversized", mode == "flood":
		n := 5 << 20 // one record over the core's attribute limit
		if mode == "flood" {
			n = 12 << 20 // one message over the core's message limit
		}
		big := `{"blob":"` + strings.Repeat("x", n) + `"}`
		return out.Resource(sdk.Resource{Type: resource.TypePMG, NativeID: "big", Status: resource.StatusOnline, RawAttributes: json.RawMessage(big)})
	case mode == "outside":
		_ = out.Resource(sdk.Resource{Type: resource.TypeVM, NativeID: "vm-1", Status: resource.StatusRunning})
		_ = out.Resource(sdk.Resource{Type: resource.TypePMG, NativeID: "bad-status", Status: "green"})
	case strings.HasPrefix(mode, "count:"):
		c.count, _ = strconv.Atoi(strings.TrimPrefix(mode, "count:"))
	}
	_, typ := served()
	return ProjectAs(ctx, typ, Payload(c.count), out)
}
