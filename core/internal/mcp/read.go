package mcp

import (
	"context"
	"fmt"
	"github.com/pulsehost/pulse/core/internal/alerts"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// platformEntry is one row of list_platforms.
type platformEntry struct {
	platform.View
	// Note says, for a platform that is not supported, that its floor is
	// proposed, not a support claim.
	Note string `json:"note,omitempty"`
	// AssistantRead and AssistantControl repeat the two assistant surfaces
	// of a supported platform (an admitted one has them only in its
	// proposed floor).
	AssistantRead    platform.Class `json:"assistant_read,omitempty"`
	AssistantControl platform.Class `json:"assistant_control,omitempty"`
	// Actions are the control actions offered on its resources, and Via the
	// platform whose source performs them.
	Actions []string `json:"actions"`
	Via     string   `json:"actions_via,omitempty"`
}

func (s *Server) listPlatforms(ctx context.Context, _ args) (any, error) {
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	var rows []platformEntry
	var vocab []string
	for _, v := range platform.Views() {
		p, _ := platform.Lookup(v.ID)
		if p.Admission == platform.AdmissionPresentationOnly || p.Floor == nil {
			vocab = append(vocab, string(p.ID))
			continue
		}
		e := platformEntry{View: v, Actions: []string{}}
		if p.Supported() {
			e.AssistantRead, e.AssistantControl = p.Floor.Class(platform.SurfaceAssistantRead), controlClass(p)
		} else {
			e.Note = fmt.Sprintf("%s, not supported: its surfaces are a proposed floor, not a support claim", p.SupportState())
		}
		if acts, via := cat.offered(p); len(acts) > 0 {
			e.Actions, e.Via = acts, via
		}
		rows = append(rows, e)
	}
	return map[string]any{"platforms": rows, "presentation_only": vocab,
		"note": "presentation-only ids are vocabulary: never supported, never connected"}, nil
}

// connectionEntry is one row of list_connections.
type connectionEntry struct {
	Platform       string     `json:"platform"`
	Name           string     `json:"name"`
	Support        string     `json:"support"`
	State          string     `json:"state"`
	PollInterval   string     `json:"poll_interval"`
	LastPoll       *time.Time `json:"last_poll"`
	LastSuccess    *time.Time `json:"last_success"`
	LastDurationMS float64    `json:"last_duration_ms"`
	LastError      string     `json:"last_error"`
	Resources      int        `json:"resources"`
	Rejected       uint64     `json:"rejected_records"`
	Watching       bool       `json:"watching"`
}

func (s *Server) listConnections(ctx context.Context, _ args) (any, error) {
	conns, err := s.api.connections(ctx)
	if err != nil {
		return nil, err
	}
	out := []connectionEntry{}
	for _, c := range conns {
		if _, ok := readable(c.Platform); !ok {
			continue
		}
		out = append(out, connectionEntry{Platform: c.Platform, Name: c.Name, Support: supportLabel(c.Platform), State: c.State,
			PollInterval: c.PollInterval, LastPoll: c.LastPoll, LastSuccess: c.LastSuccess, LastDurationMS: c.LastDurationMS,
			LastError: c.LastError, Resources: c.Resources, Rejected: c.Rejected, Watching: c.Watching})
	}
	return map[string]any{"count": len(out), "connections": out}, nil
}

// resourceEntry is one resource in a listing.
type resourceEntry struct {
	ID          string            `json:"id"`
	Type        resource.Type     `json:"type"`
	Platform    string            `json:"platform"`
	Connection  string            `json:"connection"`
	Name        string            `json:"name"`
	Status      resource.Status   `json:"status"`
	Support     string            `json:"support"`
	Stale       bool              `json:"stale"`
	StaleReason string            `json:"stale_reason,omitempty"`
	Runtime     string            `json:"runtime,omitempty"`
	Topology    map[string]string `json:"topology,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
}

func entry(r resource.Resource) resourceEntry {
	return resourceEntry{ID: r.ID, Type: r.Type, Platform: r.Platform, Connection: r.Connection, Name: r.Name,
		Status: r.Status, Support: resourceLabel(r), Stale: r.Stale, StaleReason: r.StaleReason,
		Runtime: r.Runtime, Topology: r.Topology, Tags: r.Tags}
}

// platformArg checks a platform argument against the readable platforms.
func platformArg(a args, name string) (string, error) {
	id, err := a.str(name)
	if err != nil || id == "" {
		return "", err
	}
	valid := strings.Join(readablePlatforms(), ", ")
	p, ok := platform.Lookup(platform.ID(id))
	switch {
	case !ok:
		hint := ""
		if n := platform.Normalize(id); n != platform.ID(id) {
			if _, ok := readable(string(n)); ok {
				hint = fmt.Sprintf(" (did you mean %q?)", n)
			}
		}
		return "", fmt.Errorf("%s=%q is not a governed platform id%s; valid platforms are %s", name, id, hint, valid)
	case p.Admission == platform.AdmissionPresentationOnly:
		return "", fmt.Errorf("%s=%q is presentation-only vocabulary: it is never supported or connected, so it has nothing to read; valid platforms are %s", name, id, valid)
	}
	if _, ok := readable(id); !ok {
		return "", fmt.Errorf("%s=%q: its assistant read is not supported, so it contributes nothing readable; valid platforms are %s", name, id, valid)
	}
	return id, nil
}

// connectionArg checks a connection name against the configured connections.
func (s *Server) connectionArg(ctx context.Context, a args) (string, error) {
	name, err := a.str("connection")
	if err != nil || name == "" {
		return "", err
	}
	conns, err := s.api.connections(ctx)
	if err != nil {
		return "", err
	}
	var names []string
	for _, c := range conns {
		if _, ok := readable(c.Platform); !ok {
			continue
		}
		if c.Name == name {
			return name, nil
		}
		names = append(names, c.Name)
	}
	return "", fmt.Errorf("connection=%q is not a configured connection; valid connections are %s", name, listOr(names, "none (no connection is configured)"))
}

func (s *Server) listResources(ctx context.Context, a args) (any, error) {
	q := url.Values{}
	typ, err := a.str("type")
	if err != nil {
		return nil, err
	}
	if typ != "" {
		if !resource.IsCanonical(resource.Type(typ)) || !contains(readableTypes(), typ) {
			return nil, fmt.Errorf("type=%q is not a canonical resource type of a readable platform; valid types are %s", typ, strings.Join(readableTypes(), ", "))
		}
		q.Set("type", typ)
	}
	plat, err := platformArg(a, "platform")
	if err != nil {
		return nil, err
	}
	if plat != "" {
		q.Set("platform", plat)
	}
	conn, err := s.connectionArg(ctx, a)
	if err != nil {
		return nil, err
	}
	if conn != "" {
		q.Set("connection", conn)
	}
	stale, err := a.boolean("stale")
	if err != nil {
		return nil, err
	}
	if stale != nil {
		q.Set("stale", fmt.Sprint(*stale))
	}
	query, err := a.str("query")
	if err != nil {
		return nil, err
	}
	limit, err := a.integer("limit", defaultLimit, 1, maxLimit)
	if err != nil {
		return nil, err
	}
	list, err := s.api.resources(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []resourceEntry{}
	matched := 0
	needle := strings.ToLower(query)
	for _, r := range list {
		if !resourceReadable(r) || (needle != "" && !strings.Contains(strings.ToLower(r.Name), needle)) {
			continue
		}
		matched++
		if len(out) < limit {
			out = append(out, entry(r))
		}
	}
	res := map[string]any{"count": matched, "returned": len(out), "resources": out}
	if matched > len(out) {
		res["truncated"] = fmt.Sprintf("%d more match; narrow the filters or raise limit (at most %d)", matched-len(out), maxLimit)
	}
	return res, nil
}

// labelledAlert is an alert with the support label of its platform.
type labelledAlert struct {
	resource.Alert
	Support string `json:"support"`
}

// labelledEngineAlert is an alert of the alerts engine (list_alerts) with
// the support label of its platform.
type labelledEngineAlert struct {
	alerts.Alert
	Support string `json:"support"`
}

// labelledPoint is a recovery point with the support label of its platform.
type labelledPoint struct {
	resource.RecoveryPoint
	Support string `json:"support"`
}

// relation is a relationship with the related resource's type and name.
type relation struct {
	Kind     resource.RelKind `json:"kind"`
	Target   string           `json:"target"`
	Type     resource.Type    `json:"target_type,omitempty"`
	Name     string           `json:"target_name,omitempty"`
	Platform string           `json:"target_platform,omitempty"`
	Support  string           `json:"target_support,omitempty"`
}

// labelledSource is a contributing source with its platform's label.
type labelledSource struct {
	resource.Source
	Support string `json:"support"`
}

// resourceOut is get_resource's answer.
type resourceOut struct {
	resource.Resource
	Support        string            `json:"support"`
	Sources        []labelledSource  `json:"sources"`
	Relationships  []relation        `json:"relationships"`
	Metrics        []resource.Metric `json:"metrics"`
	Alerts         []labelledAlert   `json:"alerts"`
	RecoveryPoints []labelledPoint   `json:"recovery_points"`
}

// lookup finds a readable resource by id, or says how to find the right id.
func (s *Server) lookup(ctx context.Context, id string) (resourceDetail, error) {
	if id == "" {
		return resourceDetail{}, fmt.Errorf("id is required: a canonical resource id as list_resources returns it")
	}
	d, found, err := s.api.resource(ctx, id)
	if err != nil {
		return d, err
	}
	if found && resourceReadable(d.Resource) {
		return d, nil
	}
	msg := fmt.Sprintf("no resource with id %q", id)
	// The caller may have passed a name: offer the ids it matches.
	if all, err := s.api.resources(ctx, nil); err == nil {
		var ids []string
		for _, r := range all {
			if resourceReadable(r) && strings.EqualFold(r.Name, id) {
				ids = append(ids, fmt.Sprintf("%s (%s on %s)", r.ID, r.Type, r.Platform))
			}
		}
		if len(ids) > 0 {
			sort.Strings(ids)
			return d, fmt.Errorf("%s; resources named %q have ids %s", msg, id, strings.Join(ids, ", "))
		}
	}
	return d, fmt.Errorf("%s; list_resources (with query= to search names) returns the valid ids", msg)
}

func (s *Server) getResource(ctx context.Context, a args) (any, error) {
	id, err := a.str("id")
	if err != nil {
		return nil, err
	}
	d, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	out := resourceOut{Resource: d.Resource, Support: resourceLabel(d.Resource), Relationships: []relation{},
		Metrics: nonNil(d.Metrics), Alerts: []labelledAlert{}, RecoveryPoints: []labelledPoint{}}
	out.Sources = []labelledSource{}
	for _, src := range d.Sources {
		out.Sources = append(out.Sources, labelledSource{Source: src, Support: supportLabel(src.Platform)})
	}
	for _, rel := range d.Relationships {
		r := relation{Kind: rel.Kind, Target: rel.Target}
		if t, found, err := s.api.resource(ctx, rel.Target); err == nil && found && resourceReadable(t.Resource) {
			r.Type, r.Name, r.Platform, r.Support = t.Type, t.Name, t.Platform, resourceLabel(t.Resource)
		}
		out.Relationships = append(out.Relationships, r)
	}
	for _, al := range d.Alerts {
		out.Alerts = append(out.Alerts, labelledAlert{Alert: al, Support: supportLabel(al.Platform)})
	}
	for _, rp := range d.RecoveryPoints {
		out.RecoveryPoints = append(out.RecoveryPoints, labelledPoint{RecoveryPoint: rp, Support: supportLabel(rp.Platform)})
	}
	return out, nil
}

func (s *Server) listAlerts(ctx context.Context, a args) (any, error) {
	plat, err := platformArg(a, "platform")
	if err != nil {
		return nil, err
	}
	sev, err := a.str("severity")
	if err != nil {
		return nil, err
	}
	if sev != "" && !resource.IsSeverity(resource.Severity(sev)) {
		return nil, fmt.Errorf("severity=%q is not an alert severity; valid severities are info, warning, critical", sev)
	}
	q := url.Values{}
	if plat != "" {
		q.Set("platform", plat)
	}
	list, err := s.api.alerts(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []labelledEngineAlert{}
	for _, al := range list {
		if _, ok := readable(al.Platform); !ok || (sev != "" && al.Severity != sev) {
			continue
		}
		out = append(out, labelledEngineAlert{Alert: al, Support: supportLabel(al.Platform)})
	}
	return map[string]any{"count": len(out), "alerts": out}, nil
}

func (s *Server) listRecoveryPoints(ctx context.Context, a args) (any, error) {
	id, err := a.str("resource")
	if err != nil {
		return nil, err
	}
	plat, err := platformArg(a, "platform")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if id != "" {
		if _, err := s.lookup(ctx, id); err != nil {
			return nil, fmt.Errorf("resource: %w", err)
		}
		q.Set("resource", id)
	}
	list, err := s.api.recoveryPoints(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []labelledPoint{}
	for _, rp := range list {
		if _, ok := readable(rp.Platform); !ok || (plat != "" && rp.Platform != plat) {
			continue
		}
		out = append(out, labelledPoint{RecoveryPoint: rp, Support: supportLabel(rp.Platform)})
	}
	return map[string]any{"count": len(out), "recovery_points": out}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
