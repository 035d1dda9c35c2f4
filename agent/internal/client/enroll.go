package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"golang.org/x/crypto/ssh"

	"github.com/pulsehost/pulse/core/agentwire"
)

// Enroll enrolls the key behind signer with a provisioning token: the body
// is signed in the enroll namespace by that key (proof of possession).
func Enroll(ctx context.Context, hc *http.Client, server string, signer ssh.Signer, token, hostname, hwUUID string) (*agentwire.EnrollResponse, error) {
	body, err := json.Marshal(agentwire.EnrollRequest{
		Token: token, PublicKey: string(ssh.MarshalAuthorizedKey(signer.PublicKey())), Hostname: hostname, HWUUID: hwUUID,
	})
	if err != nil {
		return nil, err
	}
	sig, err := agentwire.SignHeader(signer, agentwire.NamespaceEnroll, body)
	if err != nil {
		return nil, err
	}
	var out agentwire.EnrollResponse
	if err := Post(ctx, hc, server, agentwire.PathEnroll, sig, body, &out); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	if want := agentwire.Fingerprint(signer.PublicKey()); out.Fingerprint != want {
		return nil, fmt.Errorf("enroll: the server answered fingerprint %q, want %q", out.Fingerprint, want)
	}
	return &out, nil
}
