// Package sdk is the kit plugin authors write Pulse platform adapters with.
//
// A plugin implements Platform, declares its fixed facts as package-level
// values (a Declaration and a Schema), and its main function is one line:
//
//	func main() { sdk.Serve(myplatform.New) }
//
// The core launches the plugin as a separate process with hashicorp/go-plugin
// over gRPC (AutoMTLS), negotiates the API version, checks the declaration
// against the governed platform model, and then configures, checks and
// collects each connection. Optional features are the small interfaces
// Watcher, Executor and Closer; embed Unimplemented for the ones you skip.
package sdk

import (
	"context"
	"errors"
)

// Platform is the one interface every plugin implements.
type Platform interface {
	// Declaration returns the plugin's fixed declaration (a package-level value).
	Declaration() Declaration
	// Schema returns the HCL schema of the plugin's connection block.
	Schema() Schema
	// Configure stores one connection's validated configuration. It must not
	// perform network I/O; a second call for the same name replaces the first.
	Configure(ctx context.Context, conn Connection) error
	// Check tests the connection for real and reports each sub-API it needs.
	Check(ctx context.Context, conn string) (CheckReport, error)
	// Collect emits one full snapshot of the connection. Records absent from a
	// complete snapshot are gone; an error means the snapshot is incomplete
	// and the core keeps what it had.
	Collect(ctx context.Context, conn string, out Emitter) error
}

// Watcher is implemented by plugins that can stream incremental changes.
type Watcher interface {
	// Watch emits deltas (upserts, Removed, ClearedAlert) until ctx is done.
	// It returns nil only when ctx is done; an error makes the core fall back
	// to polling and retry Watch later.
	Watch(ctx context.Context, conn string, out Emitter) error
}

// Executor is implemented by plugins that perform control actions.
type Executor interface {
	// Execute performs action on target; it returns a message for operators.
	Execute(ctx context.Context, conn string, a Action) (string, error)
}

// Closer is implemented by plugins that hold sessions per connection.
type Closer interface {
	// Close releases the connection's sessions (log out) and forgets it.
	Close(ctx context.Context, conn string) error
}

// Versioned is implemented by plugins that speak wire API versions other
// than this SDK's APIVersions (for example while migrating between them).
type Versioned interface {
	APIVersions() []uint32
}

// Action is one control action request.
type Action struct {
	// Name is the action, one of Declaration.Actions.
	Name string
	// Target is the native id of the resource acted on.
	Target string
	// Params are action parameters.
	Params map[string]string
}

// CheckReport is the outcome of Check.
type CheckReport struct {
	// Checks holds one result per sub-API.
	Checks []SubCheck `json:"checks"`
	// EndpointVersion is the product version the endpoint reports.
	EndpointVersion string `json:"endpoint_version,omitempty"`
}

// OK reports whether every sub-check passed.
func (r CheckReport) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// SubCheck is the result of testing one sub-API.
type SubCheck struct {
	// Name of the sub-API, e.g. "login".
	Name string `json:"name"`
	// OK is true when it works.
	OK bool `json:"ok"`
	// Message says what happened.
	Message string `json:"message,omitempty"`
	// MissingPrivilege names a privilege the credentials lack, when known.
	MissingPrivilege string `json:"missing_privilege,omitempty"`
}

// Sentinel errors the host recognises across the boundary.
var (
	// ErrUnknownConnection: the connection was never configured (the plugin
	// restarted); the host configures it again.
	ErrUnknownConnection = errors.New("unknown connection")
	// ErrNotImplemented: an optional feature the plugin does not provide.
	ErrNotImplemented = errors.New("not implemented")
	// ErrActionRefused: the action is not allowed for this platform.
	ErrActionRefused = errors.New("action refused")
	// ErrInvalidConfig: the configuration cannot be used.
	ErrInvalidConfig = errors.New("invalid configuration")
)

// Unimplemented can be embedded to refuse the optional features explicitly.
type Unimplemented struct{}

// Execute refuses every action.
func (Unimplemented) Execute(context.Context, string, Action) (string, error) {
	return "", ErrNotImplemented
}
