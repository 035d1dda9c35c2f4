package config

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParse parses and decodes a configuration of 500 connections.
func BenchmarkParse(b *testing.B) {
	const n = 500
	var src strings.Builder
	src.WriteString("server {\n  listen = \"127.0.0.1:7655\"\n}\n")
	for i := range n {
		fmt.Fprintf(&src, `connection "proxmox-pve" "c%d" {
  endpoints     = ["https://pve%d.lab:8006", "https://pve%d-b.lab:8006"]
  token_id      = "pulse@pve!monitor"
  token_secret  = "secret-%d"
  port          = 8006
  poll_interval = "30s"
  tls { insecure_skip_verify = true }
}
`, i, i, i, i)
	}
	data := []byte(src.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cfg, err := ParseBytes("bench.hcl", data)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cfg.Connections {
			if _, err := c.Decode(testSchema); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/connection")
}
