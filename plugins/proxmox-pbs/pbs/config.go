package pbs

import (
	"fmt"
	"strings"
	"time"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// config is the decoded connection block.
type config struct {
	Endpoint        string   `json:"endpoint"`
	Endpoints       []string `json:"endpoints"`
	TokenID         string   `json:"token_id"`
	TokenSecret     string   `json:"token_secret"`
	Username        string   `json:"username"`
	Password        string   `json:"password"`
	UsageWarning    *float64 `json:"usage_warning"`
	UsageCritical   *float64 `json:"usage_critical"`
	PVEClusters     []string `json:"pve_clusters"`
	RefreshInterval string   `json:"refresh_interval"`

	// Derived by validate.
	urls     []string
	warn     float64
	crit     float64
	clusters map[string]string // namespace -> PVE cluster
	refresh  time.Duration
}

// validate normalises endpoints and checks that exactly one way of
// authenticating is configured and thresholds make sense.
func (c *config) validate() error {
	urls, err := pxclient.Endpoints(c.Endpoint, c.Endpoints, "8007")
	if err != nil {
		return err
	}
	c.urls = urls
	token := c.TokenID != "" || c.TokenSecret != ""
	pass := c.Username != "" || c.Password != ""
	switch {
	case token && pass:
		return fmt.Errorf("%w: set either token_id/token_secret or username/password, not both", sdk.ErrInvalidConfig)
	case token:
		if c.TokenID == "" || c.TokenSecret == "" {
			return fmt.Errorf("%w: token_id and token_secret are set together", sdk.ErrInvalidConfig)
		}
		user, name, ok := strings.Cut(c.TokenID, "!")
		if !ok || !strings.Contains(user, "@") || name == "" {
			return fmt.Errorf("%w: token_id %q must look like user@realm!tokenname, e.g. pulse@pbs!monitor", sdk.ErrInvalidConfig, c.TokenID)
		}
	case pass:
		if c.Username == "" || c.Password == "" {
			return fmt.Errorf("%w: username and password are set together", sdk.ErrInvalidConfig)
		}
		if !strings.Contains(c.Username, "@") {
			return fmt.Errorf("%w: username %q needs a realm, e.g. %s@pbs", sdk.ErrInvalidConfig, c.Username, c.Username)
		}
	default:
		return fmt.Errorf("%w: set token_id and token_secret (recommended) or username and password", sdk.ErrInvalidConfig)
	}
	c.warn, c.crit = 0.80, 0.90
	if c.UsageWarning != nil {
		c.warn = *c.UsageWarning
	}
	if c.UsageCritical != nil {
		c.crit = *c.UsageCritical
	}
	if c.warn <= 0 || c.crit > 1 || c.warn >= c.crit {
		return fmt.Errorf("%w: usage_warning (%v) and usage_critical (%v) must satisfy 0 < warning < critical <= 1", sdk.ErrInvalidConfig, c.warn, c.crit)
	}
	c.clusters = map[string]string{}
	for _, m := range c.PVEClusters {
		ns, cl, ok := strings.Cut(m, "=")
		ns = strings.Trim(strings.TrimSpace(ns), "/")
		cl = strings.TrimSpace(cl)
		if !ok || cl == "" {
			return fmt.Errorf("%w: pve_clusters entry %q must be \"namespace=cluster\" (\"=cluster\" for the root namespace)", sdk.ErrInvalidConfig, m)
		}
		c.clusters[ns] = cl
	}
	c.refresh = time.Hour
	if c.RefreshInterval != "" {
		d, err := time.ParseDuration(c.RefreshInterval)
		if err != nil || d <= 0 {
			return fmt.Errorf("%w: refresh_interval %q is not a positive duration like \"1h\"", sdk.ErrInvalidConfig, c.RefreshInterval)
		}
		c.refresh = d
	}
	return nil
}

// clusterOf returns the PVE cluster whose guests back up into namespace
// ns: the mapping of ns or of its nearest configured parent.
func (c *config) clusterOf(ns string) string {
	for {
		if cl, ok := c.clusters[ns]; ok {
			return cl
		}
		if ns == "" {
			return ""
		}
		i := strings.LastIndex(ns, "/")
		if i < 0 {
			ns = ""
		} else {
			ns = ns[:i]
		}
	}
}
