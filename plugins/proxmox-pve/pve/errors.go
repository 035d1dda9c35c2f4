package pve

import (
	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
)

// APIError is a non-success answer of the PVE API (the shared Proxmox
// client's error type).
type APIError = pxclient.APIError

// apiError extracts the APIError in err, if any.
func apiError(err error) (*APIError, bool) { return pxclient.AsAPIError(err) }

// statusIs reports whether err is an API answer with one of codes.
func statusIs(err error, codes ...int) bool { return pxclient.StatusIs(err, codes...) }

// nodeUnreachable: pveproxy could not forward the call to that node.
func nodeUnreachable(err error) bool { return pxclient.NodeUnreachable(err) }

// describe makes an error short and operator-readable.
func describe(err error) string { return pxclient.Describe(err) }
