package agentwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// EnrollRequest is the body of POST /api/v1/agents/enroll, signed in the
// enroll namespace by the key being enrolled (proof of possession).
type EnrollRequest struct {
	// Token is the provisioning token.
	Token string `json:"token"`
	// PublicKey is the agent's public key, the .pub line.
	PublicKey string `json:"public_key"`
	// Hostname is the host's name.
	Hostname string `json:"hostname"`
	// HWUUID is the host's hardware UUID.
	HWUUID string `json:"hw_uuid"`
}

// EnrollResponse answers a successful enrollment.
type EnrollResponse struct {
	// Fingerprint is the agent's identity: its key's SHA256: fingerprint.
	Fingerprint string `json:"fingerprint"`
	// EnrolledAt is when the core enrolled the key.
	EnrolledAt time.Time `json:"enrolled_at"`
	// ReportPath is where reports go.
	ReportPath string `json:"report_path"`
}

// Report is the body of POST /api/v1/agents/report, signed in the report
// namespace.
type Report struct {
	// Fingerprint names the enrolled key that signed the report.
	Fingerprint string `json:"fingerprint"`
	// Seq increases strictly with every report of the agent.
	Seq uint64 `json:"seq"`
	// SentAt is when the agent sent it, RFC 3339 UTC.
	SentAt string `json:"sent_at"`
	// Kind is "full" or "metrics".
	Kind string `json:"kind"`
	// Telemetry is the payload.
	Telemetry Telemetry `json:"telemetry"`
}

// ReportResponse answers an accepted report.
type ReportResponse struct {
	// Accepted is the seq now recorded for the agent.
	Accepted uint64 `json:"accepted_seq"`
}

// decodeStrict decodes exactly one JSON value into v.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// ParseReport decodes and checks a report body: well-formed JSON of the
// report's shape, a fingerprint, a seq above zero, sent_at in RFC 3339 and a
// known kind. It says what is wrong and what would be right.
func ParseReport(body []byte) (Report, time.Time, error) {
	var r Report
	if err := decodeStrict(body, &r); err != nil {
		return Report{}, time.Time{}, fmt.Errorf("malformed report JSON: %v (want {\"fingerprint\", \"seq\", \"sent_at\", \"kind\", \"telemetry\"})", err)
	}
	if !strings.HasPrefix(r.Fingerprint, "SHA256:") {
		return Report{}, time.Time{}, errors.New("report fingerprint is missing or not a SHA256: key fingerprint")
	}
	if r.Seq == 0 {
		return Report{}, time.Time{}, errors.New("report seq must be a positive integer")
	}
	at, err := time.Parse(time.RFC3339Nano, r.SentAt)
	if err != nil {
		return Report{}, time.Time{}, fmt.Errorf("report sent_at %q is not an RFC 3339 time (want e.g. 2026-01-02T15:04:05Z)", r.SentAt)
	}
	if r.Kind != KindFull && r.Kind != KindMetrics {
		return Report{}, time.Time{}, fmt.Errorf("report kind %q is not one of %q, %q", r.Kind, KindFull, KindMetrics)
	}
	return r, at, nil
}

// ParseEnroll decodes and checks an enrollment body.
func ParseEnroll(body []byte) (EnrollRequest, error) {
	var r EnrollRequest
	if err := decodeStrict(body, &r); err != nil {
		return EnrollRequest{}, fmt.Errorf("malformed enroll JSON: %v (want {\"token\", \"public_key\", \"hostname\", \"hw_uuid\"})", err)
	}
	if r.Token == "" {
		return EnrollRequest{}, errors.New("enroll token is missing")
	}
	if r.PublicKey == "" {
		return EnrollRequest{}, errors.New("enroll public_key is missing (want the .pub line, ssh-ed25519 AAAA...)")
	}
	return r, nil
}
