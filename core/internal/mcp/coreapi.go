package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/pulsehost/pulse/core/internal/alerts"
	"net/http"
	"net/url"

	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/resource"
)

// coreAPI reads the core's HTTP API through a Backend and decodes its answers.
type coreAPI struct{ b Backend }

// apiError is a non-2xx answer of the core's API.
type apiError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("the core answered %s %s with HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// call sends one request and decodes a 2xx JSON answer into out (when not nil).
func (c coreAPI) call(ctx context.Context, method, path string, q url.Values, body []byte, out any) error {
	status, data, err := c.b.Do(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		var e struct {
			Error string `json:"error"`
		}
		msg := string(data)
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		return &apiError{Method: method, Path: path, Status: status, Message: msg}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

func (c coreAPI) connections(ctx context.Context) ([]pluginhost.ConnStatus, error) {
	var v struct {
		Connections []pluginhost.ConnStatus `json:"connections"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/connections", nil, nil, &v)
	return v.Connections, err
}

func (c coreAPI) plugins(ctx context.Context) ([]pluginhost.PluginStatus, error) {
	var v struct {
		Plugins []pluginhost.PluginStatus `json:"plugins"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/plugins", nil, nil, &v)
	return v.Plugins, err
}

func (c coreAPI) resources(ctx context.Context, q url.Values) ([]resource.Resource, error) {
	var v struct {
		Resources []resource.Resource `json:"resources"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/resources", q, nil, &v)
	return v.Resources, err
}

// resourceDetail is GET /api/v1/resources/{id}.
type resourceDetail struct {
	resource.Resource
	Metrics        []resource.Metric        `json:"metrics"`
	Alerts         []resource.Alert         `json:"alerts"`
	RecoveryPoints []resource.RecoveryPoint `json:"recovery_points"`
}

// resource returns one resource with what hangs off it; found is false when
// the core has no resource with id.
func (c coreAPI) resource(ctx context.Context, id string) (d resourceDetail, found bool, err error) {
	err = c.call(ctx, http.MethodGet, "/api/v1/resources/"+url.PathEscape(id), nil, nil, &d)
	if e, ok := err.(*apiError); ok && e.Status == http.StatusNotFound {
		return d, false, nil
	}
	return d, err == nil, err
}

// alerts lists the alerts engine's alerts (firing, pending and, with
// include_cleared, recently resolved), as GET /api/v1/alerts serves them.
func (c coreAPI) alerts(ctx context.Context, q url.Values) ([]alerts.Alert, error) {
	var v struct {
		Alerts []alerts.Alert `json:"alerts"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/alerts", q, nil, &v)
	return v.Alerts, err
}

func (c coreAPI) recoveryPoints(ctx context.Context, q url.Values) ([]resource.RecoveryPoint, error) {
	var v struct {
		RecoveryPoints []resource.RecoveryPoint `json:"recovery_points"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/recovery-points", q, nil, &v)
	return v.RecoveryPoints, err
}

// actionRequest is the body of POST /api/v1/resources/{id}/actions, the
// core's control path.
type actionRequest struct {
	Action string            `json:"action"`
	Params map[string]string `json:"params,omitempty"`
	// DryRun asks the core to run every check of its control path (the
	// operator's control block included) without acting.
	DryRun bool `json:"dry_run,omitempty"`
}

// executeAction posts one action to the core's control path and returns its
// JSON answer as is.
func (c coreAPI) executeAction(ctx context.Context, id string, a actionRequest) (json.RawMessage, error) {
	body, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode action: %w", err)
	}
	var out json.RawMessage
	if err := c.call(ctx, http.MethodPost, "/api/v1/resources/"+url.PathEscape(id)+"/actions", nil, body, &out); err != nil {
		return nil, err
	}
	return out, nil
}
