// Package hello is the "hello platform" example of the Pulse plugin SDK: a
// complete adapter for a Proxmox Mail Gateway's version endpoint in about 80
// lines. Copy it to start a plugin; cmd/hello is its one-line main.
package hello

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

const sup, na = platform.ClassSupported, platform.ClassNotApplicable

// Declaration is fixed: it claims no more than the governed model admits.
var Declaration = sdk.Declaration{
	Platform: "proxmox-pmg", Family: "Proxmox", Mode: platform.ModeAPIBacked,
	Onboarding: platform.OnboardPlatformConnections, Version: "0.1.0",
	Projections: []resource.Type{resource.TypePMG},
	// setup, visibility, workloads, storage, recovery, alerts, assistant read, control
	Surfaces: sdk.Floor(sup, sup, na, na, na, platform.ClassUnsupported, sup, platform.ClassReadOnly),
}

// Schema is the body of `connection "proxmox-pmg" "name" { endpoint = "..." }`.
var Schema = sdk.Schema{{Name: "endpoint", Type: sdk.TypeString, Required: true, Description: "base URL"}}

// Adapter serves every connection of the platform.
type Adapter struct {
	log   hclog.Logger
	conns sdk.Conns[string] // connection name -> endpoint
}

var _ sdk.Platform = (*Adapter)(nil)

// New builds the adapter; it is the factory sdk.Serve calls.
func New(log hclog.Logger) sdk.Platform { return &Adapter{log: log} }

func (a *Adapter) Declaration() sdk.Declaration { return Declaration }
func (a *Adapter) Schema() sdk.Schema           { return Schema }

// Configure keeps the endpoint; it does no I/O.
func (a *Adapter) Configure(_ context.Context, c sdk.Connection) error {
	var cfg struct {
		Endpoint string `json:"endpoint"`
	}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	a.conns.Put(c.Name, cfg.Endpoint)
	return nil
}

// version fetches /api2/json/version.
func (a *Adapter) version(ctx context.Context, conn string) (string, error) {
	ep, err := a.conns.Get(conn)
	if err != nil {
		return "", err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ep+"/api2/json/version", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("get version: %w", err)
	}
	defer resp.Body.Close()
	var body struct{ Data struct{ Version string } }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("decode version: %w", err)
	}
	return body.Data.Version, nil
}

// Check tests the one sub-API the adapter needs.
func (a *Adapter) Check(ctx context.Context, conn string) (sdk.CheckReport, error) {
	v, err := a.version(ctx, conn)
	if err != nil {
		return sdk.CheckReport{Checks: []sdk.SubCheck{{Name: "version", Message: err.Error()}}}, nil
	}
	return sdk.CheckReport{EndpointVersion: v, Checks: []sdk.SubCheck{{Name: "version", OK: true}}}, nil
}

// Collect emits one pmg resource.
func (a *Adapter) Collect(ctx context.Context, conn string, out sdk.Emitter) error {
	v, err := a.version(ctx, conn)
	if err != nil {
		return err
	}
	return out.Resource(sdk.Resource{Type: resource.TypePMG, NativeID: conn, Name: conn,
		Status: resource.StatusOnline, Attributes: map[string]any{"version": v}})
}
