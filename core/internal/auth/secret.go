package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomString returns n random bytes, base32 encoded in lower case.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return toLower(b32.EncodeToString(b))
}

func toLower(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c >= 'A' && c <= 'Z' {
			out[i] = c + 32
		}
	}
	return string(out)
}

// hashSecret hashes a high-entropy secret (a token or session id). Such
// secrets carry 160+ random bits, so a fast hash is safe; passwords use
// argon2id instead (see password.go).
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// equalHash compares two hashes in constant time.
func equalHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
