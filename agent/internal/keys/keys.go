// Package keys manages the agent's ed25519 identity key: an OpenSSH private
// key file (default /etc/pulse/pulse_id) created with mode 0600 in a 0700
// directory, reused when present, and refused when group or others can read
// it.
package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Key is the agent's loaded key.
type Key struct {
	// Signer signs reports.
	Signer ssh.Signer
	// Path is the private key file.
	Path string
}

// Fingerprint is the key's SHA256: fingerprint, the agent's identity.
func (k *Key) Fingerprint() string { return ssh.FingerprintSHA256(k.Signer.PublicKey()) }

// AuthorizedLine is the public key as a .pub line.
func (k *Key) AuthorizedLine() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.Signer.PublicKey())))
}

// ErrPermissions is returned for a key readable by group or others.
var ErrPermissions = errors.New("key file is readable by group or others")

// Load reads the key at path, refusing one that group or others can read.
func Load(path string) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("agent key: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("agent key %s has mode %04o: %w; run chmod 600 %s", path, fi.Mode().Perm(), ErrPermissions, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agent key: %w", err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("agent key %s: %w", path, err)
	}
	if s.PublicKey().Type() != ssh.KeyAlgoED25519 {
		return nil, fmt.Errorf("agent key %s is %s; pulse agents use ed25519 keys", path, s.PublicKey().Type())
	}
	return &Key{Signer: s, Path: path}, nil
}

// LoadOrCreate loads the key at path, or creates it (and its directory,
// mode 0700) when absent, writing the private key with mode 0600 and the
// public key beside it as path.pub.
func LoadOrCreate(path string) (*Key, bool, error) {
	k, err := Load(path)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("agent key directory: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("generate agent key: %w", err)
	}
	host, _ := os.Hostname()
	blk, err := ssh.MarshalPrivateKey(priv, "pulse-agent@"+host)
	if err != nil {
		return nil, false, fmt.Errorf("encode agent key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("create agent key: %w", err)
	}
	if _, err := f.Write(pem.EncodeToMemory(blk)); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write agent key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write agent key: %w", err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, false, err
	}
	k = &Key{Signer: s, Path: path}
	if err := os.WriteFile(path+".pub", []byte(k.AuthorizedLine()+" pulse-agent@"+host+"\n"), 0o644); err != nil {
		return nil, false, fmt.Errorf("write public key: %w", err)
	}
	return k, true, nil
}
