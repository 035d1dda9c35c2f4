package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNormalizeFingerprint(t *testing.T) {
	h := strings.Repeat("ab", 32)
	want := "SHA256:" + strings.TrimSuffix(strings.Repeat("AB:", 32), ":")
	for _, in := range []string{h, "SHA256:" + h, "sha256:" + strings.ToUpper(h), want} {
		if got, err := NormalizeFingerprint(in); err != nil || got != want {
			t.Errorf("%q = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "SHA256:abc", "SHA256:" + strings.Repeat("zz", 32)} {
		if _, err := NormalizeFingerprint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPinnedTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":"agent X was revoked"}`))
	}))
	defer srv.Close()
	h := sha256.Sum256(srv.Certificate().Raw)
	right := "SHA256:" + hex.EncodeToString(h[:])
	wrong := "SHA256:" + strings.Repeat("00", 32)

	if _, err := (Pin{}).TLSConfig(); err == nil || !strings.Contains(err.Error(), "must be pinned") {
		t.Fatalf("no pin: %v", err)
	}
	hc, _ := HTTP(Pin{Fingerprint: wrong}, 5*time.Second)
	err := Post(context.Background(), hc, srv.URL, "/x", "sig", []byte("{}"), nil)
	if err == nil || !strings.Contains(err.Error(), "does not match the pinned") {
		t.Fatalf("wrong pin: %v", err)
	}
	hc, _ = HTTP(Pin{Fingerprint: right}, 5*time.Second)
	err = Post(context.Background(), hc, srv.URL, "/x", "sig", []byte("{}"), nil)
	var se *ServerError
	if !errors.As(err, &se) || se.Status != 403 || se.Message != "agent X was revoked" {
		t.Fatalf("server error: %v", err)
	}
}

func TestBackoffGrowsCappedWithJitter(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Cap: time.Second}
	var prevMax time.Duration
	for i := range 10 {
		d := b.Next()
		hi := min(b.Base<<i, b.Cap)
		if d < hi/2 || d > hi {
			t.Fatalf("attempt %d: %s outside [%s, %s]", i, d, hi/2, hi)
		}
		prevMax = hi
	}
	if prevMax != time.Second {
		t.Fatalf("cap not reached: %s", prevMax)
	}
	b.Reset()
	if d := b.Next(); d > 100*time.Millisecond {
		t.Fatalf("after reset: %s", d)
	}
}
