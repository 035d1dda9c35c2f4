package client

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// NormalizeEndpoint turns "host", "host:port" or "https://host:port/" into
// "https://host:port", with port defaulting to defaultPort (8006 for PVE
// and PMG, 8007 for PBS).
func NormalizeEndpoint(e, defaultPort string) (string, error) {
	s := strings.TrimSpace(e)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: endpoint %q is not a URL like https://host:%s", sdk.ErrInvalidConfig, e, defaultPort)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("%w: endpoint %q must use https (the Proxmox APIs are served only over TLS)", sdk.ErrInvalidConfig, e)
	}
	if u.Port() == "" {
		u.Host += ":" + defaultPort
	}
	return "https://" + u.Host, nil
}

// Endpoints merges an `endpoint` and an `endpoints` attribute (exactly one
// of them set) into a normalised list.
func Endpoints(one string, many []string, defaultPort string) ([]string, error) {
	var in []string
	switch {
	case one != "" && len(many) > 0:
		return nil, fmt.Errorf("%w: set endpoint or endpoints, not both", sdk.ErrInvalidConfig)
	case one != "":
		in = []string{one}
	case len(many) > 0:
		in = many
	default:
		return nil, fmt.Errorf("%w: set endpoint (e.g. \"https://host:%s\") or endpoints", sdk.ErrInvalidConfig, defaultPort)
	}
	out := make([]string, 0, len(in))
	for _, e := range in {
		n, err := NormalizeEndpoint(e, defaultPort)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
