//go:build windows

package service

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

func installWindows(s Spec, out io.Writer) error {
	if err := copySelf(s.Binary); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.StateDir), 0o700); err != nil {
		return err
	}
	w := WindowsSpec(s)
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("install: connect to the service manager: %w", err)
	}
	defer m.Disconnect()
	svcH, err := m.CreateService(w.Name, w.BinaryPath, mgr.Config{
		DisplayName: w.DisplayName, Description: w.Description, StartType: mgr.StartAutomatic,
		ServiceStartName: w.Account,
	}, w.Args...)
	if err != nil {
		return fmt.Errorf("install: create service: %w", err)
	}
	defer svcH.Close()
	actions := []mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 60 * time.Second},
	}
	if err := svcH.SetRecoveryActions(actions, uint32((24 * time.Hour).Seconds())); err != nil {
		return fmt.Errorf("install: recovery actions: %w", err)
	}
	fmt.Fprintf(out, "registered service %s\n", w.Name)
	return svcH.Start()
}

func uninstallWindows(out io.Writer) error {
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	s, err := m.OpenService(WindowsName)
	if err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	defer s.Close()
	_, _ = s.Control(svc.Stop)
	if err := s.Delete(); err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	fmt.Fprintf(out, "removed service %s\n", WindowsName)
	return nil
}

type handler struct {
	fn func(ctx context.Context) error
}

func (h handler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.fn(ctx) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case err := <-done:
			cancel()
			if err != nil {
				return true, 1
			}
			return false, 0
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending}
				cancel()
				<-done
				return false, 0
			}
		}
	}
}

// RunAsService runs fn under the Windows SCM when started by it.
func RunAsService(fn func(ctx context.Context) error) (bool, error) {
	is, err := svc.IsWindowsService()
	if err != nil || !is {
		return false, err
	}
	return true, svc.Run(WindowsName, handler{fn})
}
