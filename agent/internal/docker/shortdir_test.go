package docker

import (
	"os"
	"testing"
)

// mkShortDir makes a temp dir with a path short enough for a unix socket.
func mkShortDir(t testing.TB) (string, error) {
	d, err := os.MkdirTemp("", "dk")
	if err != nil {
		return "", err
	}
	t.Cleanup(func() { _ = os.RemoveAll(d) })
	return d, nil
}
