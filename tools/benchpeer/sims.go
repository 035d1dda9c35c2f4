package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sim is a simulator process serving on loopback.
type sim struct {
	cmd *exec.Cmd
	URL string
	// Lines are what it printed (stdout and stderr) up to READY.
	mu    sync.Mutex
	lines []string
}

// startSim starts a simulator that prints "READY <url>" on stdout once it
// serves, and waits up to timeout for that line.
func startSim(argv []string, log io.Writer, timeout time.Duration) (*sim, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errp, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	s := &sim{cmd: cmd}
	ready := make(chan string, 1)
	scan := func(r io.Reader, watch bool) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(log, line)
			s.mu.Lock()
			s.lines = append(s.lines, line)
			s.mu.Unlock()
			if url, ok := strings.CutPrefix(line, "READY "); ok && watch {
				ready <- strings.TrimSpace(url)
			}
		}
	}
	go scan(out, true)
	go scan(errp, false)
	select {
	case s.URL = <-ready:
	case <-time.After(timeout):
		s.Stop()
		return nil, fmt.Errorf("%s: no READY line within %s", argv[0], timeout)
	}
	return s, nil
}

// Value returns the text after prefix on the first line printed that starts
// with it, waiting briefly for stderr to catch up.
func (s *sim) Value(prefix string) (string, error) {
	for range 50 {
		s.mu.Lock()
		for _, l := range s.lines {
			if v, ok := strings.CutPrefix(l, prefix); ok {
				s.mu.Unlock()
				return strings.TrimSpace(v), nil
			}
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("simulator printed no %q line", prefix)
}

// Stop ends the simulator.
func (s *sim) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// vcenter is the benchmark vCenter: the simulator's -bench model.
type vcenter struct {
	*sim
	User, Password, Fingerprint string
}

func startVCenter(bin string, log io.Writer) (*vcenter, error) {
	s, err := startSim([]string{bin + "/pulse-sim-vmware-vsphere", "-bench", "-listen", "127.0.0.1:0"}, log, 6*time.Minute)
	if err != nil {
		return nil, err
	}
	v := &vcenter{sim: s}
	for _, f := range []struct {
		prefix string
		dst    *string
	}{{"username:", &v.User}, {"password:", &v.Password}, {"TLS: self-signed; pin it with tls { fingerprint = ", &v.Fingerprint}} {
		if *f.dst, err = s.Value(f.prefix); err != nil {
			s.Stop()
			return nil, err
		}
	}
	v.Fingerprint = strings.Trim(strings.TrimSuffix(v.Fingerprint, "}"), "\" ")
	return v, nil
}

func startPVE(bin string, nodes, guests int, log io.Writer) (*sim, error) {
	return startSim([]string{bin + "/pulse-sim-proxmox-pve", "-listen", "127.0.0.1:0",
		"-nodes", fmt.Sprint(nodes), "-guests", fmt.Sprint(guests), "-alerts-demo", "0"}, log, 2*time.Minute)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchpeer:", err)
		os.Exit(1)
	}
}
