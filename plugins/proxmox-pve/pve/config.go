package pve

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// config is the decoded connection block.
type config struct {
	Endpoints   []string `json:"endpoints"`
	TokenID     string   `json:"token_id"`
	TokenSecret string   `json:"token_secret"`
	Username    string   `json:"username"`
	Password    string   `json:"password"`
}

// validate normalises endpoints to https://host:port base URLs and checks
// that exactly one way of authenticating is configured.
func (c *config) validate() error {
	if len(c.Endpoints) == 0 {
		return fmt.Errorf("%w: endpoints must list at least one cluster member, e.g. [\"https://pve1:8006\"]", sdk.ErrInvalidConfig)
	}
	for i, e := range c.Endpoints {
		n, err := normalizeEndpoint(e)
		if err != nil {
			return err
		}
		c.Endpoints[i] = n
	}
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
			return fmt.Errorf("%w: token_id %q must look like user@realm!tokenid", sdk.ErrInvalidConfig, c.TokenID)
		}
	case pass:
		if c.Username == "" || c.Password == "" {
			return fmt.Errorf("%w: username and password are set together", sdk.ErrInvalidConfig)
		}
		if !strings.Contains(c.Username, "@") {
			return fmt.Errorf("%w: username %q needs a realm, e.g. %s@pam", sdk.ErrInvalidConfig, c.Username, c.Username)
		}
	default:
		return fmt.Errorf("%w: set token_id and token_secret (recommended) or username and password", sdk.ErrInvalidConfig)
	}
	return nil
}

// normalizeEndpoint turns "pve1", "pve1:8006" or "https://pve1:8006/" into
// "https://pve1:8006".
func normalizeEndpoint(e string) (string, error) {
	s := strings.TrimSpace(e)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: endpoint %q is not a URL like https://pve1:8006", sdk.ErrInvalidConfig, e)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("%w: endpoint %q must use https (the PVE API is served only over TLS)", sdk.ErrInvalidConfig, e)
	}
	if u.Port() == "" {
		u.Host += ":8006"
	}
	return "https://" + u.Host, nil
}
