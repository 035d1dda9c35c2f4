package store

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
)

// SubjectKeyAttribute is the recovery point attribute through which a
// source names the protected resource by a strong identity key when that
// resource belongs to another source: "kind=value", such as
// "cluster-guest=lab/101" on a Proxmox Backup Server snapshot of guest 101
// of the PVE cluster lab. The point's own Resource (a native id of its
// source, "vm/101") is used when its source has such a resource; otherwise
// the canonical resource holding the subject key, when exactly one does.
const SubjectKeyAttribute = "subject_key"

// subjectKey reads the subject key of a recovery point's attributes; ok is
// false when there is none or it is not a strong key.
func subjectKey(attrs json.RawMessage) (resource.IdentityKey, bool) {
	if len(attrs) == 0 || !bytes.Contains(attrs, []byte(`"`+SubjectKeyAttribute+`"`)) {
		return resource.IdentityKey{}, false
	}
	var a struct {
		Subject string `json:"subject_key"`
	}
	if json.Unmarshal(attrs, &a) != nil {
		return resource.IdentityKey{}, false
	}
	kind, value, ok := strings.Cut(a.Subject, "=")
	k := resource.IdentityKey{Kind: resource.KeyKind(kind), Value: value}.Normalized()
	if !ok || value == "" || !k.Strong() {
		return resource.IdentityKey{}, false
	}
	return k, true
}

// resolveRecovery returns the canonical resource a recovery point protects:
// its source's own resource, else the one canonical resource holding its
// subject key, else the source key (the caller holds the read lock).
func (s *Store) resolveRecovery(p *rpRec) string {
	if p.rp.Resource != "" {
		if r := s.st.recs[p.src.Key(p.rp.Resource)]; r != nil {
			return r.canon
		}
	}
	if k, ok := subjectKey(p.rp.Attributes); ok {
		canon := ""
		for rk := range s.st.keyIdx[k] {
			r := s.st.recs[rk]
			if r == nil {
				continue
			}
			if canon != "" && r.canon != canon {
				canon = "" // ambiguous: keep the raw ids
				break
			}
			canon = r.canon
		}
		if canon != "" {
			return canon
		}
	}
	return s.resolve(p.src, p.rp.Resource)
}
