package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Fingerprint is a SHA-256 over everything the connection block says (its
// evaluated attributes, secrets included, the common settings and the tls
// block): two parses of an unchanged block give the same fingerprint, any
// change gives another. A live reload keeps an unchanged connection polling.
// The hash reveals nothing of the secrets it covers.
func (c *Connection) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%v\x00%d\x00%d\x00", c.Platform, c.Name, c.Enabled, c.PollInterval, c.Timeout)
	fmt.Fprintf(h, "tls\x00%s\x00%x\x00%v\x00%s\x00", c.TLS.CAFile, sha256.Sum256(c.TLS.CAPEM), c.TLS.InsecureSkipVerify, c.TLS.Fingerprint)
	names := make([]string, 0, len(c.attrs))
	for n := range c.attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := c.attrs[n]
		fmt.Fprintf(h, "attr\x00%s\x00%v\x00", n, v.failed)
		if !v.failed && v.val.IsWhollyKnown() {
			if b, err := ctyjson.Marshal(v.val, v.val.Type()); err == nil {
				h.Write(b)
			} else {
				fmt.Fprintf(h, "%#v", v.val)
			}
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
