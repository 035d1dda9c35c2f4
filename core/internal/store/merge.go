package store

import (
	"encoding/json"
	"slices"
	"sort"

	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/core/resource"
)

// agentPlatform is the platform id of the Pulse-managed host agent.
const agentPlatform = "agent"

// mergeAllowed reports whether records of platforms a and b may merge into
// one canonical resource: the same platform (one cluster reached through two
// connections), or the agent augmenting a platform whose governed
// augmentation rule is hybrid agent augmentation. docker and kubernetes
// never merge with agent: they are parallel first-class platforms.
func mergeAllowed(a, b string) bool {
	if a == b {
		return true
	}
	if b == agentPlatform {
		a, b = b, a
	}
	if a != agentPlatform {
		return false
	}
	p, ok := platform.Lookup(platform.ID(b))
	return ok && p.Augmentation != nil && p.Augmentation.Source == agentPlatform && p.Augmentation.Hybrid
}

// typesMerge reports whether records a and b may be one resource by type:
// the same type, or the agent's host record (type agent) and the host record
// of a hybrid platform whose governed host type is another, such as the pbs
// resource of proxmox-pbs (platform.AgentMergesInto).
func typesMerge(a, b *record) bool {
	if a.obs.Type == b.obs.Type {
		return true
	}
	if b.src.Platform == agentPlatform {
		a, b = b, a
	}
	if a.src.Platform != agentPlatform || a.obs.Type != resource.TypeAgent {
		return false
	}
	p, ok := platform.Lookup(platform.ID(b.src.Platform))
	return ok && platform.AgentMergesInto(p) == string(b.obs.Type)
}

// rank orders sources for the primary role: API-backed platforms first, then
// agent-backed ones, then anything ungoverned.
func rank(p string) int {
	gp, ok := platform.Lookup(platform.ID(p))
	if !ok {
		return 3
	}
	switch gp.Mode {
	case platform.ModeAPIBacked, platform.ModeHybrid:
		return 0
	case platform.ModeAgentBacked:
		return 1
	}
	return 2
}

// orderMembers sorts records into role order: rank, then first seen, then
// creation order.
func orderMembers(rs []*record) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if ra, rb := rank(a.src.Platform), rank(b.src.Platform); ra != rb {
			return ra < rb
		}
		if !a.firstSeen.Equal(b.firstSeen) {
			return a.firstSeen.Before(b.firstSeen)
		}
		if a.seq != b.seq {
			return a.seq < b.seq
		}
		return a.key < b.key
	})
}

// buildView merges the observations of rs, which must be in role order.
func buildView(rs []*record, enc *encoder) (*view, error) {
	v := &view{typ: rs[0].obs.Type, fields: make([][]string, len(rs))}
	credit := func(i int, f string) { v.fields[i] = append(v.fields[i], f) }

	for i, r := range rs {
		if r.obs.Name != "" {
			v.name = r.obs.Name
			credit(i, "name")
			break
		}
	}
	statusFrom := -1
	for i, r := range rs {
		if r.obs.Status != "" && r.obs.Status != resource.StatusUnknown {
			statusFrom = i
			break
		}
	}
	if statusFrom < 0 {
		for i, r := range rs {
			if r.obs.Status != "" {
				statusFrom = i
				break
			}
		}
	}
	if statusFrom >= 0 {
		v.status = rs[statusFrom].obs.Status
		credit(statusFrom, "status")
	}
	for i, r := range rs {
		if r.obs.Runtime != "" {
			v.runtime = r.obs.Runtime
			credit(i, "runtime")
			break
		}
	}

	v.identity = []resource.IdentityKey{}
	for i, r := range rs {
		added := false
		for _, k := range r.obs.Identity {
			n := k.Normalized()
			if !slices.Contains(v.identity, n) {
				v.identity = append(v.identity, n)
				added = true
			}
		}
		if added {
			credit(i, "identity")
		}
	}

	for i, r := range rs {
		added := false
		for _, t := range r.obs.Tags {
			if !slices.Contains(v.tags, t) {
				v.tags = append(v.tags, t)
				added = true
			}
		}
		if added {
			credit(i, "tags")
		}
	}
	sort.Strings(v.tags)

	if len(rs) == 1 && len(rs[0].obs.Topology) > 0 {
		// One source: its topology is the view's. Records and views are
		// immutable once published, so they share the map.
		v.topology = rs[0].obs.Topology
		for k := range v.topology {
			credit(0, fieldName("topology.", k))
		}
	} else {
		for i, r := range rs {
			for k, val := range r.obs.Topology {
				if _, ok := v.topology[k]; ok {
					continue
				}
				if v.topology == nil {
					v.topology = map[string]string{}
				}
				v.topology[k] = val
				credit(i, fieldName("topology.", k))
			}
		}
	}

	if err := mergeAttributes(v, rs, enc, credit); err != nil {
		return nil, err
	}
	for i := range v.fields {
		sort.Strings(v.fields[i])
	}
	return v, nil
}

// mergeAttributes merges attribute objects key by key at the top level, the
// earlier source winning per key. When the first non-empty attributes value
// is not an object it is taken whole.
func mergeAttributes(v *view, rs []*record, enc *encoder, credit func(int, string)) error {
	var merged map[string]json.RawMessage
	var first, sole json.RawMessage
	contributors := 0
	for i, r := range rs {
		if len(r.obs.Attributes) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if r.obs.Attributes[0] != '{' || json.Unmarshal(r.obs.Attributes, &obj) != nil {
			if merged == nil {
				v.attributes = r.obs.Attributes
				credit(i, "attributes")
				return nil
			}
			continue // a non-object cannot merge into an object
		}
		if merged == nil {
			merged = make(map[string]json.RawMessage, len(obj))
			first = r.obs.Attributes
		}
		added := false
		for k, val := range obj {
			if _, ok := merged[k]; ok {
				continue
			}
			merged[k] = val
			credit(i, fieldName("attributes.", k))
			added = true
		}
		if added {
			contributors++
			sole = r.obs.Attributes
		}
	}
	switch contributors {
	case 0:
		v.attributes = first
	case 1:
		v.attributes = sole
	default:
		b, err := enc.encode(merged)
		if err != nil {
			return err
		}
		v.attributes = slices.Clone(b)
	}
	return nil
}
