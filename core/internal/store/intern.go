package store

import "sync"

// maxInterned bounds the field-name table (attribute keys come from
// plugins; beyond this many names new ones are simply not shared).
const maxInterned = 16384

// fieldNames interns the provenance field names of canonical views
// ("topology.node", "attributes.vmid"): every resource of a kind credits
// the same few names, and one shared string per name instead of one per
// resource saves a few hundred bytes per resource.
var fieldNames = struct {
	sync.Mutex
	m map[string]map[string]string // prefix → key → prefix+key
	n int
}{m: map[string]map[string]string{}}

// fieldName returns prefix+key, shared with every earlier caller.
func fieldName(prefix, key string) string {
	fieldNames.Lock()
	defer fieldNames.Unlock()
	byKey := fieldNames.m[prefix]
	if s, ok := byKey[key]; ok {
		return s
	}
	s := prefix + key
	if fieldNames.n >= maxInterned {
		return s
	}
	if byKey == nil {
		byKey = map[string]string{}
		fieldNames.m[prefix] = byKey
	}
	byKey[s[len(prefix):]] = s
	fieldNames.n++
	return s
}
