//go:build !windows

package service

import (
	"context"
	"errors"
	"io"
)

func installWindows(Spec, io.Writer) error {
	return errors.New("install: the windows target installs on Windows only")
}
func uninstallWindows(io.Writer) error {
	return errors.New("uninstall: the windows target runs on Windows only")
}

// RunAsService runs fn under the OS service manager when started by it
// (Windows SCM); elsewhere it reports false and does nothing.
func RunAsService(fn func(ctx context.Context) error) (bool, error) { return false, nil }
