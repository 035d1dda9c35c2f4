package agentwire

import (
	"encoding/base64"
	"testing"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// FuzzParseReport: the report decoder never panics, and what it accepts
// has the invariants the gateway relies on.
func FuzzParseReport(f *testing.F) {
	f.Add([]byte(`{"fingerprint":"SHA256:abc","seq":1,"sent_at":"2026-01-02T15:04:05Z","kind":"full","telemetry":{"identity":{"hw_uuid":"u","hostname":"h","ssh_pubkey_fingerprint":"SHA256:abc"},"environment":{"platform":"kvm","os_family":"linux","kernel_version":"6.8","last_update_timestamp":""},"resources":{"mem_total_mb":1,"mem_used_mb":1,"cpu_model":"x","cpu_load_avg":0.5,"disk_utilization_pct":3},"capabilities":{"installed_tools":["zfs"]},"health":{"uptime_seconds":5}}}`))
	f.Add([]byte(`{"seq":-1}`))
	f.Add([]byte(`{}{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, at, err := ParseReport(b)
		if err != nil {
			return
		}
		if r.Seq == 0 || at.IsZero() || (r.Kind != KindFull && r.Kind != KindMetrics) {
			t.Fatalf("accepted an invalid report: %+v", r)
		}
	})
}

// FuzzParseSignature: signature parsing never panics on any header value.
func FuzzParseSignature(f *testing.F) {
	f.Add("U1NIU0lHAAAAAQ==")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		sig, err := ParseHeader(h)
		if err == nil && (sig.PublicKey == nil || sig.Sig == nil) {
			t.Fatal("accepted a signature without key or value")
		}
		if blob, err := base64.StdEncoding.DecodeString(h); err == nil {
			_, _ = ParseSignature(blob)
		}
	})
}
