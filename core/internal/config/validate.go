package config

import (
	"errors"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// Validate runs Decode on every connection whose platform has a schema in
// schemas (keyed by platform id) and returns all their diagnostics together,
// in file order, as one *Diagnostics; nil when all are valid. Connections of
// a platform missing from schemas are skipped: what a missing plugin means
// is the caller's decision.
func (c *Config) Validate(schemas map[string]sdk.Schema) error {
	var all Diagnostics
	for _, conn := range c.Connections {
		schema, ok := schemas[conn.Platform]
		if !ok {
			continue
		}
		if _, err := conn.Decode(schema); err != nil {
			var ds *Diagnostics
			if !errors.As(err, &ds) {
				return err
			}
			all = append(all, *ds...)
		}
	}
	if len(all) == 0 {
		return nil
	}
	all = sortDiagnostics(all, c.Files)
	return &all
}
