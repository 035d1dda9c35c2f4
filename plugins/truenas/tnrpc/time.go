package tnrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Time is a datetime in TrueNAS's extended JSON: {"$date": <milliseconds
// since the epoch>}. It also accepts null (the zero Time) and, for
// robustness against older middlewares, a bare number of milliseconds.
type Time struct{ time.Time }

// Date wraps t as an extended-JSON datetime.
func Date(t time.Time) Time { return Time{t} }

// UnmarshalJSON decodes {"$date": ms}, a bare number of ms, or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	if len(b) > 0 && b[0] == '{' {
		var v struct {
			Date *json.Number `json:"$date"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("datetime %s: %w", b, err)
		}
		if v.Date == nil {
			return fmt.Errorf("datetime %s: an object without $date", b)
		}
		return t.setMillis(*v.Date)
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("datetime %s is neither {\"$date\": ms} nor a number", b)
	}
	return t.setMillis(n)
}

func (t *Time) setMillis(n json.Number) error {
	f, err := n.Float64()
	if err != nil {
		return fmt.Errorf("datetime $date %s: %w", n, err)
	}
	t.Time = time.UnixMilli(int64(f)).UTC()
	return nil
}

// MarshalJSON encodes {"$date": ms}, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return fmt.Appendf(nil, `{"$date":%d}`, t.UnixMilli()), nil
}
