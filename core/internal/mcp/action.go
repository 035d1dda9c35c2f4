package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// plan is what run_action would do, returned without confirm: true.
type plan struct {
	Action     string            `json:"action"`
	Params     map[string]string `json:"params"`
	Resource   planResource      `json:"resource"`
	Platform   string            `json:"platform"`
	Connection string            `json:"connection"`
	Support    string            `json:"support"`
	Control    platform.Class    `json:"assistant_control"`
	Via        string            `json:"via"`
	Request    string            `json:"request"`
}

type planResource struct {
	ID     string          `json:"id"`
	Type   resource.Type   `json:"type"`
	Name   string          `json:"name"`
	Status resource.Status `json:"status"`
	Stale  bool            `json:"stale"`
}

func (s *Server) runAction(ctx context.Context, a args) (any, error) {
	id, err := a.str("resource")
	if err != nil {
		return nil, err
	}
	action, err := a.str("action")
	if err != nil {
		return nil, err
	}
	params, err := a.stringMap("params")
	if err != nil {
		return nil, err
	}
	confirm, err := a.boolean("confirm")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errors.New("resource is required: a canonical resource id as list_resources returns it")
	}
	d, err := s.lookup(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("resource: %w", err)
	}
	// Governance first: it holds whatever the operator configured.
	p, via, err := governControl(d.Resource)
	if err != nil {
		return nil, err
	}
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	acts := cat[via]
	if len(acts) == 0 && p.Mode == platform.ModeAgentBacked {
		// An agent-backed resource's actions are declared by the agent
		// that reports it (only while commands are enabled on it).
		acts = agentActions(d.Resource)
	}
	if action == "" {
		return nil, fmt.Errorf("action is required; %s declares %s", via, actionList(acts))
	}
	if !contains(acts, action) {
		if len(acts) == 0 {
			return nil, fmt.Errorf("action %q refused: %s declares no control actions right now (its plugin is not running, or declares none); see list_platforms", action, via)
		}
		return nil, fmt.Errorf("action %q is not an action %s declares; valid actions are %s", action, via, strings.Join(acts, ", "))
	}
	if params == nil {
		params = map[string]string{}
	}
	pl := plan{Action: action, Params: params,
		Resource: planResource{ID: d.ID, Type: d.Type, Name: d.Name, Status: d.Status, Stale: d.Stale},
		Platform: d.Platform, Connection: d.Connection, Support: resourceLabel(d.Resource),
		Control: controlClass(p), Via: via,
		Request: fmt.Sprintf("POST /api/v1/resources/%s/actions", d.ID)}
	if confirm == nil || !*confirm {
		// The plan is a dry run through the core's own control path, so a
		// plan the core would refuse (control disabled, the action not
		// allowed on this connection) is refused here too, with its reason.
		checked, err := s.api.executeAction(ctx, d.ID, actionRequest{Action: action, Params: params, DryRun: true})
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				return nil, actionRefused(ae)
			}
			return nil, fmt.Errorf("check %s on %s: %w", action, d.ID, err)
		}
		return map[string]any{"executed": false, "plan": pl, "checked": checked,
			"note": "nothing was done; every check of the core's control path passed; call run_action again with confirm: true to run it (audited)"}, nil
	}
	result, err := s.api.executeAction(ctx, d.ID, actionRequest{Action: action, Params: params})
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, actionRefused(ae)
		}
		return nil, fmt.Errorf("run %s on %s: %w", action, d.ID, err)
	}
	return map[string]any{"executed": true, "plan": pl, "result": result}, nil
}

// governControl applies the governed model to an action on r: it returns the
// resource's platform and the platform whose source performs the action, or
// a refusal naming the classification.
func governControl(r resource.Resource) (platform.Platform, string, error) {
	p, ok := platform.Lookup(platform.ID(r.Platform))
	if !ok {
		return p, "", fmt.Errorf("control refused: %s is not a governed platform", r.Platform)
	}
	class := controlClass(p)
	where := supportedControl()
	if !p.Supported() {
		return p, "", fmt.Errorf("control refused: %s is %s, not supported (its proposed assistant control is %s); Pulse never acts on it. Control is supported on %s",
			p.ID, p.SupportState(), class, where)
	}
	switch class {
	case platform.ClassSupported:
		return p, string(p.ID), nil
	case platform.ClassAugmentationOnly:
		src := platform.ID("agent")
		if p.Augmentation != nil {
			src = p.Augmentation.Source
		}
		for _, s := range r.Sources {
			if s.Platform == string(src) && s.Role == resource.RoleAugment && !s.Stale {
				return p, string(src), nil
			}
		}
		return p, "", fmt.Errorf("control refused: assistant control of %s is augmentation-only: it acts only through an enrolled pulse-agent (%s) augmenting the resource, never through the API connection, and %s (%s) has no live %s source. Control is supported on %s",
			p.ID, src, r.ID, r.Name, src, where)
	default:
		return p, "", fmt.Errorf("control refused: assistant control of %s is %s; Pulse never acts on it. Control is supported on %s", p.ID, class, where)
	}
}

// supportedControl names the platforms whose control is supported, and those
// that act through an agent.
func supportedControl() string {
	var sup, aug []string
	for _, p := range platform.All() {
		if !p.Supported() {
			continue
		}
		switch controlClass(p) {
		case platform.ClassSupported:
			sup = append(sup, string(p.ID))
		case platform.ClassAugmentationOnly:
			aug = append(aug, string(p.ID))
		}
	}
	s := listOr(sup, "no platform")
	if len(aug) > 0 {
		s += " (and through an enrolled pulse-agent on " + strings.Join(aug, ", ") + ")"
	}
	return s
}

// actionRefused turns the core's refusal of an action into the tool's error.
func actionRefused(ae *apiError) error {
	switch {
	case ae.Status == http.StatusNotFound && strings.HasPrefix(ae.Message, "no route"):
		return fmt.Errorf("the core has no control path (HTTP 404 from %s %s: %s); this core cannot run actions", ae.Method, ae.Path, ae.Message)
	default:
		return fmt.Errorf("the core refused the action (HTTP %d): %s", ae.Status, ae.Message)
	}
}

// agentActions are the actions the reporting pulse-agent declared on an
// agent-backed resource (its "actions" attribute).
func agentActions(r resource.Resource) []string {
	var a struct {
		Actions []string `json:"actions"`
	}
	_ = json.Unmarshal(r.Attributes, &a)
	return a.Actions
}
