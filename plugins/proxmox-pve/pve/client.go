package pve

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/hashicorp/go-hclog"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
)

// client is the shared Proxmox client configured for Proxmox VE: the
// PVEAPIToken header or a PVEAuthCookie ticket, failover across cluster
// members (tickets are cluster-wide, so one login serves every member).
type client struct {
	*pxclient.Client
}

func newClient(cfg config, tlsCfg *tls.Config, timeout time.Duration, now func() time.Time, log hclog.Logger) *client {
	o := pxclient.Options{
		Product: "PVE", Endpoints: cfg.Endpoints, TLS: tlsCfg, Timeout: timeout, Now: now, Log: log,
		UserAgent: "pulse-proxmox-pve/" + Version, Username: cfg.Username, Password: cfg.Password,
	}
	if cfg.TokenID != "" {
		o.Token, o.TokenID = pxclient.PVEToken(cfg.TokenID, cfg.TokenSecret), cfg.TokenID
	}
	return &client{pxclient.New(o)}
}

func (c *client) get(ctx context.Context, path string, v any) error { return c.Get(ctx, path, v) }
func (c *client) close()                                            { c.Close() }
func (c *client) requests() int64                                   { return c.Requests() }
