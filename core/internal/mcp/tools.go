package mcp

import (
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/pulsehost/pulse/core/resource"
)

// The tool names: a fixed contract external assistants depend on.
const (
	ToolListPlatforms      = "list_platforms"
	ToolListConnections    = "list_connections"
	ToolListResources      = "list_resources"
	ToolGetResource        = "get_resource"
	ToolListAlerts         = "list_alerts"
	ToolListRecoveryPoints = "list_recovery_points"
	ToolRunAction          = "run_action"
)

// Limits of list_resources.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// tools defines the seven tools. Enumerations and descriptions are derived
// from the governed model and from cat, the actions the running plugins
// declare.
func (s *Server) tools(cat catalogue) []tool {
	readableIDs := readablePlatforms()
	labelNote := " Records of a platform that is not supported carry \"support\": \"admitted\" (today: " + joinOr(notSupported(), "none") + "); all others \"support\": \"supported\"."
	readNote := " Only platforms whose assistant read is supported contribute: " + strings.Join(readableIDs, ", ") + "."
	platformProp := func(what string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "string", Enum: anyList(readableIDs),
			Description: what + " One of the readable platform ids: " + strings.Join(readableIDs, ", ") + "."}
	}
	severities := []string{string(resource.SeverityInfo), string(resource.SeverityWarning), string(resource.SeverityCritical)}
	types := readableTypes()
	ro := &gomcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true}
	return []tool{
		{
			def: &gomcp.Tool{Name: ToolListPlatforms, Title: "Governed platform support matrix", Annotations: ro,
				Description: "The governed platform support matrix: per platform id its state (supported or admitted) and its eight surfaces " +
					"(setup, visibility, workloads, storage, recovery, alerts, assistant-read, assistant-control), plus the control actions offered. " +
					"An admitted platform's surfaces are a proposed floor (proposed_floor), not a support claim.",
				InputSchema: object(nil)},
			run: s.listPlatforms,
		},
		{
			def: &gomcp.Tool{Name: ToolListConnections, Title: "Platform connections", Annotations: ro,
				Description: "Every configured platform connection: platform, name, support, state (starting, ok, error, disabled, no-plugin), last poll, last success and last error." + readNote + labelNote,
				InputSchema: object(nil)},
			run: s.listConnections,
		},
		{
			def: &gomcp.Tool{Name: ToolListResources, Title: "Canonical resources", Annotations: ro,
				Description: "Canonical resources with id, type, platform, connection, name, status, support and staleness, filtered; at most limit (default 100)." + readNote + labelNote,
				InputSchema: object(map[string]*jsonschema.Schema{
					"type":       {Type: "string", Enum: anyList(types), Description: "Keep resources of this canonical type: " + strings.Join(types, ", ") + "."},
					"platform":   platformProp("Keep resources with a source of this platform."),
					"connection": {Type: "string", Description: "Keep resources with a source of this connection name (see list_connections)."},
					"stale":      {Type: "boolean", Description: "true keeps only stale resources (their source failed to poll), false only fresh ones."},
					"query":      {Type: "string", Description: "Case-insensitive search in the resource name."},
					"limit":      {Type: "integer", Minimum: ptr(1), Maximum: ptr(maxLimit), Description: fmt.Sprintf("At most this many resources, 1 to %d (default %d); count says how many matched.", maxLimit, defaultLimit)},
				})},
			params: []string{"type", "platform", "connection", "stale", "query", "limit"},
			run:    s.listResources,
		},
		{
			def: &gomcp.Tool{Name: ToolGetResource, Title: "One resource in detail", Annotations: ro,
				Description: "One resource by id with its metrics (canonical names and units), active alerts, recovery points, sources and relationships (each with the related resource's type and name)." + labelNote,
				InputSchema: object(map[string]*jsonschema.Schema{
					"id": {Type: "string", Description: "The canonical resource id, as list_resources returns it."},
				}, "id")},
			params: []string{"id"},
			run:    s.getResource,
		},
		{
			def: &gomcp.Tool{Name: ToolListAlerts, Title: "Active alerts", Annotations: ro,
				Description: "Active alerts raised by the platforms: severity, kind, message, resource, since when." + readNote + labelNote,
				InputSchema: object(map[string]*jsonschema.Schema{
					"platform": platformProp("Keep alerts raised by this platform."),
					"severity": {Type: "string", Enum: anyList(severities), Description: "Keep alerts of this severity: " + strings.Join(severities, ", ") + "."},
				})},
			params: []string{"platform", "severity"},
			run:    s.listAlerts,
		},
		{
			def: &gomcp.Tool{Name: ToolListRecoveryPoints, Title: "Recovery points", Annotations: ro,
				Description: "Backups, snapshots and replicas (kind, time, size, storage) of resources." + readNote + labelNote,
				InputSchema: object(map[string]*jsonschema.Schema{
					"resource": {Type: "string", Description: "Keep the recovery points of this canonical resource id."},
					"platform": platformProp("Keep recovery points taken on this platform."),
				})},
			params: []string{"resource", "platform"},
			run:    s.listRecoveryPoints,
		},
		s.runActionTool(cat),
	}
}

// runActionTool defines run_action; its description names the actions the
// running plugins declare in cat.
func (s *Server) runActionTool(cat catalogue) tool {
	return tool{
		def: &gomcp.Tool{Name: ToolRunAction, Title: "Run a control action",
			Annotations: &gomcp.ToolAnnotations{DestructiveHint: ptrBool(true), OpenWorldHint: ptrBool(true)},
			Description: "Run a control action on one resource, where governance allows it. Without confirm: true it only returns the plan " +
				"(what would be done, to which resource, on which platform and connection) and changes nothing; with confirm: true the core runs it " +
				"through its control path and audit log, which refuses while control is disabled in the core's configuration (the default). " +
				cat.controlSummary(),
			InputSchema: object(map[string]*jsonschema.Schema{
				"resource": {Type: "string", Description: "The canonical resource id to act on (see list_resources)."},
				"action":   {Type: "string", Description: "The action, one of those its platform declares (see this description or list_platforms)."},
				"params":   {Type: "object", AdditionalProperties: &jsonschema.Schema{Type: "string"}, Description: "Action parameters, string values."},
				"confirm":  {Type: "boolean", Description: "true runs the action; absent or false returns the plan only."},
			}, "resource", "action")},
		params: []string{"resource", "action", "params", "confirm"},
		run:    s.runAction,
	}
}

func object(props map[string]*jsonschema.Schema, required ...string) *jsonschema.Schema {
	if props == nil {
		props = map[string]*jsonschema.Schema{}
	}
	return &jsonschema.Schema{Type: "object", Properties: props, Required: required, AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}}}
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func ptr(v int) *float64 { f := float64(v); return &f }

func ptrBool(b bool) *bool { return &b }
