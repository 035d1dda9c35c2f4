package vsphere_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/vmware-vsphere/internal/simlab"
)

// simCommand is the lab simulator the benchmarks run as a separate process.
const simCommand = "github.com/pulsehost/pulse/plugins/vmware-vsphere/cmd/pulse-sim-vmware-vsphere"

// simStartTimeout bounds the simulator's start: the first run of -bench
// builds and saves the benchmark model (about 45 s), later runs load it.
const simStartTimeout = 5 * time.Minute

// simProcess is a lab simulator running as a child process.
type simProcess struct {
	cmd      *exec.Cmd
	stderr   *tailBuffer
	readyURL string
}

// newBenchLab builds the lab simulator, starts it on a free 127.0.0.1 port
// serving the benchmark model, and returns the adapter (behind gRPC)
// configured against it. The benchmark process then holds only the
// adapter, gRPC and the test's own client, so its CPU time and peak RSS are
// the adapter's. The simulator is stopped when the benchmark ends.
func newBenchLab(b *testing.B) (*lab, *simProcess) {
	b.Helper()
	sim := startSimProcess(b, "-bench")
	l := &lab{t: b, obs: url.UserPassword(simlab.User, simlab.Password)}
	u, err := url.Parse(sim.readyURL)
	if err != nil {
		b.Fatalf("simulator: bad READY url: %v", err)
	}
	l.sdkURL, l.addr = *u, u.Host
	l.ca = serverCertPEM(b, l.addr)
	l.connect()
	return l, sim
}

// startSimProcess builds the simulator command and starts it with args.
func startSimProcess(b *testing.B, args ...string) *simProcess {
	b.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		b.Fatalf("build simulator: go command not found: %v", err)
	}
	bin := filepath.Join(b.TempDir(), "pulse-sim-vmware-vsphere")
	build := exec.Command(goBin, "build", "-o", bin, simCommand)
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build simulator: %v\n%s", err, out)
	}
	sim := &simProcess{stderr: &tailBuffer{max: 8 << 10}}
	sim.cmd = exec.Command(bin, append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	sim.cmd.Stderr = sim.stderr
	stdout, err := sim.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := sim.cmd.Start(); err != nil {
		b.Fatalf("start simulator: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = sim.cmd.Wait(); close(done) }()
	b.Cleanup(func() {
		_ = sim.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = sim.cmd.Process.Kill()
			<-done
			b.Errorf("simulator did not stop within 10s of SIGTERM")
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- u
			}
		}
	}()
	select {
	case u := <-ready:
		sim.readyURL = u
	case <-done:
		b.Fatalf("simulator exited before READY: %v\n%s", sim.cmd.ProcessState, sim.stderr)
	case <-time.After(simStartTimeout):
		b.Fatalf("simulator not READY within %v\n%s", simStartTimeout, sim.stderr)
	}
	return sim
}

// cpu returns the simulator's user+system CPU time so far.
func (s *simProcess) cpu() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name start at field 3 (state);
	// utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100).
	_, rest, ok := strings.Cut(string(raw), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// serverCertPEM reads the certificate the simulator at addr presents, so
// the adapter can verify it as a CA (as the in-process lab does).
func serverCertPEM(b *testing.B, addr string) []byte {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}} // #nosec G402 -- only reads the lab certificate
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		b.Fatalf("read simulator certificate: %v", err)
	}
	defer func() { _ = c.Close() }()
	certs := c.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		b.Fatal("read simulator certificate: none presented")
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[0].Raw})
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
