package store

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/resource"
)

// normTime strips the monotonic reading and location so that a time compares
// equal to itself after a round trip through SQLite (unix nanoseconds, UTC).
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

// dbTime is the column value of t: unix nanoseconds, NULL for the zero time.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromDBTime is the inverse of dbTime.
func fromDBTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64).UTC()
}

// hex16 is the first 16 hex digits of sha256(s).
func hex16(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// canonicalID derives a canonical resource id from the source key that
// created the resource; attempt > 0 disambiguates the rare reuse of a key
// whose id is still held by another resource.
func canonicalID(t resource.Type, sourceKey string, attempt int) string {
	if attempt == 0 {
		return string(t) + "-" + hex16(sourceKey)
	}
	return string(t) + "-" + hex16(fmt.Sprintf("%s#%d", sourceKey, attempt))
}

// alertID is the canonical id of a native alert of src.
func alertID(src resource.SourceRef, native string) string {
	return "alert-" + hex16(src.Key(native))
}

// recoveryID is the canonical id of a native recovery point of src.
func recoveryID(src resource.SourceRef, native string) string {
	return "rp-" + hex16(src.Key(native))
}

// encoder encodes values to compact JSON without HTML escaping, reusing its
// buffer. The returned bytes are valid until the next call.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newEncoder() *encoder {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

func (e *encoder) encode(v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	b := e.buf.Bytes()
	return b[:len(b)-1], nil // drop the newline
}

// strongKeys returns the usable strong keys of o, normalized, deduped and
// sorted.
func strongKeys(o resource.Observation) []resource.IdentityKey {
	var out []resource.IdentityKey
	for _, k := range o.Identity {
		if !k.Strong() || !k.Usable() {
			continue
		}
		n := k.Normalized()
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b resource.IdentityKey) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

// sharesKey reports whether two sorted key lists intersect.
func sharesKey(a, b []resource.IdentityKey) bool {
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}

// validSourceRef checks that src yields unambiguous source keys.
func validSourceRef(src resource.SourceRef) error {
	if src.Platform == "" || src.Connection == "" {
		return fmt.Errorf("source %q/%q: platform and connection are required", src.Platform, src.Connection)
	}
	if strings.Contains(src.Platform, "/") || strings.Contains(src.Connection, "/") {
		return fmt.Errorf("source %q/%q: platform and connection may not contain '/'", src.Platform, src.Connection)
	}
	return nil
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
