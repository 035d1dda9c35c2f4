// Package control is the core's one control path, for every platform. The
// HTTP API (POST /api/v1/resources/{id}/actions), the CLI (`pulse action`)
// and the assistant's run_action tool all call Service.Request, which
//
//  1. resolves the resource and the source that owns it,
//  2. checks the governed classification of the platform's assistant-control
//     surface: only `supported` acts (agent-backed platforms through the
//     agent that reports the resource); `augmentation-only` acts only through
//     the enrolled agent augmenting the guest's node (WithAgents);
//     `read-only`, `n/a` and admitted platforms never act,
//  3. checks the operator's control block (off unless enabled, optionally
//     narrowed per connection to named actions),
//  4. checks that the running plugin declared the action,
//  5. runs it through the plugin's Execute (pluginhost), bounded by the
//     control timeout,
//
// and writes an audit record of every request, allowed or refused, to the
// core's SQLite database (component "control"). An allowed request is
// recorded before it runs, so nothing acts unaudited.
package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Request is one control request.
type Request struct {
	// Actor says who asks, e.g. "api 127.0.0.1:51234" or "mcp <client>".
	Actor string
	// ResourceID is the canonical resource id.
	ResourceID string
	// Action is the action name, one the plugin declared (e.g. "restart").
	Action string
	// Params are action parameters; non-string values travel JSON-encoded.
	Params map[string]any
	// DryRun runs every check and stops before acting: the result's outcome
	// is "planned" when the action would run. Dry runs change nothing and are
	// not audited (the assistant's run_action shows its plan this way).
	DryRun bool
}

// Outcomes of a request.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	OutcomeRefused   = "refused"
	// OutcomePlanned is a dry run's outcome when every check passed.
	OutcomePlanned = "planned"
	// OutcomeRunning is the outcome of an audit record whose action has not
	// finished (or whose core stopped while it ran).
	OutcomeRunning = "running"
)

// Result is what happened to a request; it is also its audit record.
type Result struct {
	// ID is the audit record's id.
	ID int64 `json:"id"`
	// Time is when the request arrived.
	Time time.Time `json:"time"`
	// Actor is who asked.
	Actor string `json:"actor"`
	// ResourceID, ResourceName and ResourceType identify what was acted on.
	ResourceID   string `json:"resource_id"`
	ResourceName string `json:"resource_name,omitempty"`
	ResourceType string `json:"resource_type,omitempty"`
	// Platform, Connection and NativeID are the source the action went to.
	Platform   string `json:"platform,omitempty"`
	Connection string `json:"connection,omitempty"`
	NativeID   string `json:"native_id,omitempty"`
	// Action and Params are what was asked.
	Action string         `json:"action"`
	Params map[string]any `json:"params"`
	// Classification is the platform's governed assistant-control class.
	Classification string `json:"classification,omitempty"`
	// Outcome is succeeded, failed, refused (or running).
	Outcome string `json:"outcome"`
	// Message is the plugin's report (succeeded) or the error (failed).
	Message string `json:"message,omitempty"`
	// Reason says why a request was refused.
	Reason string `json:"reason,omitempty"`
	// DurationMS is how long the action ran.
	DurationMS float64 `json:"duration_ms"`

	// via is the augmenting agent an augmentation-only action goes through.
	via *agentVia
}

// agentVia names the agent connection and the target it acts on.
type agentVia struct{ connection, target string }

// Errors Request wraps, so callers can map outcomes (HTTP status, exit code).
var (
	// ErrNotFound: no resource with that id.
	ErrNotFound = errors.New("resource not found")
	// ErrInvalid: the request itself is malformed.
	ErrInvalid = errors.New("invalid request")
	// ErrRefused: the classification, the operator's configuration or the
	// plugin's declaration does not allow the action.
	ErrRefused = errors.New("action refused")
	// ErrFailed: the action was allowed and ran, and failed.
	ErrFailed = errors.New("action failed")
)

// Resources finds canonical resources (the unified store).
type Resources interface {
	Resource(id string) (resource.Resource, bool)
}

// Executor runs actions through plugins (the plugin host).
type Executor interface {
	// Actions returns the actions the plugin serving the connection declared.
	Actions(platform, connection string) ([]string, error)
	// Execute runs one action through that plugin.
	Execute(ctx context.Context, platform, connection string, a sdk.Action) (string, error)
}

// Agents routes actions on an agent-backed platform's resources to the
// pulse-agent that reported them, over its command channel.
type Agents interface {
	// AgentActions returns the actions the agent owning connection declared
	// for platform and whether commands are enabled on it; an error when
	// the agent has no command channel open (offline).
	AgentActions(platform, connection string) (actions []string, commandsEnabled bool, err error)
	// AgentExecute runs one action through that agent. An error wrapping
	// sdk.ErrActionRefused means the agent refused and nothing ran.
	AgentExecute(ctx context.Context, platform, connection string, a sdk.Action) (string, error)
}

// Service is the control path.
type Service struct {
	res    Resources
	exec   Executor
	agents Agents
	audit  *Audit
	cfg    config.Control
	log    hclog.Logger
	now    func() time.Time
}

// New builds the service.
func New(res Resources, exec Executor, audit *Audit, cfg config.Control, log hclog.Logger) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = config.DefaultControlTimeout
	}
	return &Service{res: res, exec: exec, audit: audit, cfg: cfg, log: log.Named("control"), now: time.Now}
}

// WithAgents lets the service act on agent-backed platforms through the
// agents' command channels.
func (s *Service) WithAgents(a Agents) *Service {
	s.agents = a
	return s
}

var actionRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// Request runs one control request through every check, audits it and
// returns what happened. The error is nil only when the action succeeded;
// it wraps ErrNotFound, ErrInvalid, ErrRefused or ErrFailed, and the Result
// is filled (and audited) in every case.
func (s *Service) Request(ctx context.Context, req Request) (Result, error) {
	r := Result{Time: s.now().UTC(), Actor: req.Actor, ResourceID: req.ResourceID, Action: req.Action, Params: req.Params}
	if r.Params == nil {
		r.Params = map[string]any{}
	}
	if r.Actor == "" {
		r.Actor = "unknown"
	}
	if why, kind := s.check(&r); kind != nil {
		if req.DryRun {
			r.Outcome, r.Reason = OutcomeRefused, why
			return r, fmt.Errorf("%w: %s", kind, why)
		}
		return s.refuse(ctx, r, kind, why)
	}
	params, err := stringParams(r.Params)
	if err != nil {
		if req.DryRun {
			r.Outcome, r.Reason = OutcomeRefused, err.Error()
			return r, fmt.Errorf("%w: %s", ErrInvalid, err.Error())
		}
		return s.refuse(ctx, r, ErrInvalid, err.Error())
	}
	if req.DryRun {
		r.Outcome = OutcomePlanned
		return r, nil
	}
	r.Outcome = OutcomeRunning
	if err := s.audit.Record(ctx, &r); err != nil {
		r.Outcome, r.Reason = OutcomeRefused, "the audit log cannot be written, so nothing may act: "+err.Error()
		return r, fmt.Errorf("%w: %s", ErrRefused, r.Reason)
	}
	s.log.Info("control action", "id", r.ID, "actor", r.Actor, "resource", r.ResourceID, "platform", r.Platform,
		"connection", r.Connection, "action", r.Action)
	actx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	start := time.Now()
	act := sdk.Action{Name: r.Action, Target: r.NativeID, Params: params}
	var msg string
	switch {
	case r.via != nil:
		act.Target = r.via.target
		msg, err = s.agents.AgentExecute(actx, r.Platform, r.via.connection, act)
		if err == nil {
			msg = "through the pulse-agent on the node: " + msg
		}
	case s.viaAgent(r.Platform):
		msg, err = s.agents.AgentExecute(actx, r.Platform, r.Connection, act)
	default:
		msg, err = s.exec.Execute(actx, r.Platform, r.Connection, act)
	}
	cancel()
	r.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	var result error
	switch {
	case err == nil:
		r.Outcome, r.Message = OutcomeSucceeded, msg
	case errors.Is(err, sdk.ErrActionRefused):
		// The plugin refused (unknown app, wrong target kind ...): nothing ran.
		who := "the " + r.Platform + " plugin"
		if s.viaAgent(r.Platform) || r.via != nil {
			who = "the pulse-agent"
		}
		r.Outcome, r.Reason = OutcomeRefused, who+" refused: "+err.Error()
		result = fmt.Errorf("%w: %s", ErrRefused, r.Reason)
	default:
		r.Outcome, r.Message = OutcomeFailed, err.Error()
		if errors.Is(err, context.DeadlineExceeded) && actx.Err() != nil {
			r.Message = fmt.Sprintf("no result within the control timeout of %s: %v", s.cfg.Timeout, err)
		}
		result = fmt.Errorf("%w: %s", ErrFailed, r.Message)
	}
	// The outcome is written even when the caller went away.
	if aerr := s.audit.Finish(context.WithoutCancel(ctx), r); aerr != nil {
		s.log.Error("audit: record the outcome", "id", r.ID, "error", aerr)
	}
	s.log.Info("control action done", "id", r.ID, "outcome", r.Outcome, "duration_ms", r.DurationMS)
	return r, result
}

// check runs the checks in order; it returns the refusal reason and kind,
// or a nil kind when the action may run. It fills r as it learns.
func (s *Service) check(r *Result) (string, error) {
	if !actionRE.MatchString(r.Action) {
		return fmt.Sprintf("action %q is not an action name (lower-case words such as \"restart\")", r.Action), ErrInvalid
	}
	res, ok := s.res.Resource(r.ResourceID)
	if !ok {
		return fmt.Sprintf("no resource with id %q; list ids with GET /api/v1/resources", r.ResourceID), ErrNotFound
	}
	r.ResourceName, r.ResourceType = res.Name, string(res.Type)
	src, ok := primary(res)
	if !ok {
		return "the resource has no primary source to act through", ErrRefused
	}
	r.Platform, r.Connection, r.NativeID = src.Platform, src.Connection, src.NativeID

	// 1. The governed classification.
	p, ok := platform.Lookup(platform.ID(src.Platform))
	if !ok {
		return fmt.Sprintf("platform %q is not governed", src.Platform), ErrRefused
	}
	class := platform.ClassNotApplicable
	if p.Floor != nil {
		class = p.Floor.Class(platform.SurfaceAssistantControl)
	}
	r.Classification = string(class)
	agentRoute := s.agents != nil && class == platform.ClassSupported && p.Mode == platform.ModeAgentBacked && p.Supported()
	augRoute := s.agents != nil && class == platform.ClassAugmentationOnly && p.Supported()
	if augRoute {
		conn, target, why := s.augmentingAgent(res)
		if why != "" {
			return why, ErrRefused
		}
		r.via = &agentVia{connection: conn, target: target}
	}
	if why := classRefusal(p, class); why != "" && !agentRoute && !augRoute {
		return why, ErrRefused
	}
	// 2. The operator's configuration.
	if ok, why := s.cfg.Allows(src.Platform, src.Connection, r.Action); !ok {
		return why, ErrRefused
	}
	// 3. The agent's or the plugin's declaration.
	if agentRoute {
		if why, kind := agentDeclared(s.agents, src, r.Action); kind != nil {
			return why, kind
		}
		if why := recordRefusal(res, r.Action); why != "" {
			return why, ErrRefused
		}
		return "", nil
	}
	if r.via != nil {
		return agentDeclared(s.agents, resource.Source{Platform: src.Platform, Connection: r.via.connection}, r.Action)
	}
	declared, err := s.exec.Actions(src.Platform, src.Connection)
	if err != nil {
		return "cannot reach the plugin that would act: " + err.Error(), ErrRefused
	}
	if !slices.Contains(declared, r.Action) {
		list := "no actions"
		if len(declared) > 0 {
			list = strings.Join(declared, ", ")
		}
		return fmt.Sprintf("the %s plugin does not declare action %q (it declares %s)", src.Platform, r.Action, list), ErrRefused
	}
	return "", nil
}

// classRefusal says why a platform's control classification refuses, or "".
func classRefusal(p platform.Platform, class platform.Class) string {
	switch {
	case !p.Supported():
		return fmt.Sprintf("%s is %s, not supported: Pulse never acts on it (assistant control: %s)", p.ID, p.SupportState(), class)
	case class == platform.ClassSupported && p.Mode == platform.ModeAgentBacked:
		return fmt.Sprintf("assistant control for %s is supported through its enrolled pulse-agent, and this core has no agent command channel (server.agent_listen is not set)", p.ID)
	case class == platform.ClassSupported:
		return ""
	case class == platform.ClassAugmentationOnly:
		return fmt.Sprintf("assistant control for %s is augmentation-only: it acts only through an enrolled pulse-agent on that host, never through the API connection, and agent-backed control is not built yet", p.ID)
	case class == platform.ClassReadOnly:
		return fmt.Sprintf("assistant control for %s is read-only: Pulse never acts on it", p.ID)
	default:
		return fmt.Sprintf("assistant control for %s is %s: there is nothing to act on", p.ID, class)
	}
}

func primary(res resource.Resource) (resource.Source, bool) {
	for _, s := range res.Sources {
		if s.Role == resource.RolePrimary {
			return s, true
		}
	}
	if res.Platform != "" && len(res.Sources) == 1 {
		return res.Sources[0], true
	}
	return resource.Source{}, false
}

// refuse audits a refused request and returns it.
func (s *Service) refuse(ctx context.Context, r Result, kind error, why string) (Result, error) {
	r.Outcome, r.Reason = OutcomeRefused, why
	if err := s.audit.Record(context.WithoutCancel(ctx), &r); err != nil {
		s.log.Error("audit: record a refusal", "error", err)
	}
	s.log.Info("control action refused", "id", r.ID, "actor", r.Actor, "resource", r.ResourceID, "action", r.Action, "reason", why)
	return r, fmt.Errorf("%w: %s", kind, why)
}

// stringParams turns params into the wire's strings: strings as they are,
// everything else JSON-encoded.
func stringParams(in map[string]any) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		if !actionRE.MatchString(k) {
			return nil, fmt.Errorf("parameter name %q is not valid (lower-case words)", k)
		}
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %v", k, err)
		}
		out[k] = string(b)
	}
	return out, nil
}

// List returns audit records, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Result, error) { return s.audit.List(ctx, f) }

// viaAgent reports whether actions of platform go through agents.
func (s *Service) viaAgent(p string) bool {
	if s.agents == nil {
		return false
	}
	pl, ok := platform.Lookup(platform.ID(p))
	return ok && pl.Mode == platform.ModeAgentBacked
}

// agentDeclared checks that the owning agent is online, runs with commands
// enabled and declared the action.
func agentDeclared(a Agents, src resource.Source, action string) (string, error) {
	declared, enabled, err := a.AgentActions(src.Platform, src.Connection)
	if err != nil {
		return fmt.Sprintf("the pulse-agent that reports this %s resource is offline (no command channel open): %v", src.Platform, err), ErrRefused
	}
	if !enabled {
		return "commands are not enabled on the pulse-agent that reports this resource (the operator starts it with --enable-commands)", ErrRefused
	}
	if !slices.Contains(declared, action) {
		list := "no actions"
		if len(declared) > 0 {
			list = strings.Join(declared, ", ")
		}
		return fmt.Sprintf("the pulse-agent does not declare %s action %q (it declares %s)", src.Platform, action, list), ErrRefused
	}
	return "", nil
}

// augmentingAgent finds the enrolled pulse-agent through which an
// augmentation-only guest action runs: the agent source augmenting the
// guest's node (the resource it runs on), or the resource itself. The
// target is the guest as qm/pct know it (qemu/<vmid>, lxc/<vmid>).
func (s *Service) augmentingAgent(res resource.Resource) (conn, target, why string) {
	src, _ := primary(res)
	switch res.Type {
	case resource.TypeVM:
		target = "qemu/" + src.NativeID
	case resource.TypeSystemContainer:
		target = "lxc/" + src.NativeID
	default:
		target = src.NativeID
	}
	candidates := []resource.Resource{res}
	for _, rel := range res.Relationships {
		if rel.Kind == resource.RelRunsOn {
			if host, ok := s.res.Resource(rel.Target); ok {
				candidates = append(candidates, host)
			}
		}
	}
	for _, c := range candidates {
		for _, so := range c.Sources {
			if so.Platform == "agent" && so.Role == resource.RoleAugment && !so.Stale {
				return so.Connection, target, ""
			}
		}
	}
	return "", "", fmt.Sprintf("assistant control for %s is augmentation-only: it acts only through an enrolled pulse-agent on the guest's node, and %s has no live agent augmenting its node", src.Platform, res.Name)
}
