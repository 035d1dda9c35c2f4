package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sample is one reading of a process tree.
type sample struct {
	At  time.Duration // since the process started
	CPU time.Duration // tree CPU so far (user+sys)
	// Root is the root process's own CPU so far (utime+stime, without what
	// it reaped): the core's share of CPU for pulse serve.
	Root time.Duration
	RSS  int64 // sum of the tree's resident bytes now
}

// peak is the most one process of a tree had been resident (VmHWM) at a
// sample.
type peak struct {
	PID   int
	Comm  string
	Bytes int64
}

// tracked is a process the benchmark started and samples until it exits.
type tracked struct {
	name  string
	cmd   *exec.Cmd
	start time.Time
	done  chan struct{} // closed once Wait returned
	err   error         // from Wait

	mu      sync.Mutex
	samples []sample
	// peaks are the tree's processes at the sample where the sum of their
	// VmHWM was highest: processes alive together, so a short-lived helper
	// that ended before another started is not added to it.
	peaks   []peak
	peakSum int64
	final   time.Duration // CPU from wait4's rusage (self + reaped children)
}

// startTracked starts argv with its output going to log and samples its
// process tree every every until it exits.
func startTracked(name string, argv []string, dir string, log io.Writer, every time.Duration) (*tracked, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	t := &tracked{name: name, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	t.start = time.Now()
	go func() {
		t.err = cmd.Wait()
		if ps := cmd.ProcessState; ps != nil {
			t.mu.Lock()
			t.final = ps.UserTime() + ps.SystemTime()
			t.mu.Unlock()
		}
		close(t.done)
	}()
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-t.done:
				return
			case <-tick.C:
				t.Sample()
			}
		}
	}()
	t.Sample()
	return t, nil
}

// Sample reads the tree now, records it, and returns it (ok false once the
// process is gone).
func (t *tracked) Sample() (sample, bool) {
	at := time.Since(t.start)
	tree, err := readTree("/proc", t.cmd.Process.Pid)
	if err != nil || len(tree) == 0 {
		return sample{}, false
	}
	s := sample{At: at, CPU: treeCPU(tree), Root: tree[0].CPU}
	t.mu.Lock()
	defer t.mu.Unlock()
	var sum int64
	for _, p := range tree {
		s.RSS += p.RSS
		sum += p.Peak
	}
	if sum > t.peakSum {
		t.peakSum, t.peaks = sum, t.peaks[:0]
		for _, p := range tree { // root first
			t.peaks = append(t.peaks, peak{PID: p.PID, Comm: p.Comm, Bytes: p.Peak})
		}
	}
	t.samples = append(t.samples, s)
	return s, true
}

// Stop sends SIGTERM (SIGKILL after grace) and waits for the exit.
func (t *tracked) Stop(grace time.Duration) {
	select {
	case <-t.done:
		return
	default:
	}
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.done:
	case <-time.After(grace):
		_ = t.cmd.Process.Kill()
		<-t.done
	}
}

// Wait waits for the process to exit on its own, or ctx.
func (t *tracked) Wait(ctx context.Context) error {
	select {
	case <-t.done:
		return t.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Samples returns the readings so far.
func (t *tracked) Samples() []sample {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]sample(nil), t.samples...)
}

// TotalCPU is the tree's CPU: wait4's figure once exited (it includes
// children reaped before the end), or the last sample's.
func (t *tracked) TotalCPU() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var last time.Duration
	if n := len(t.samples); n > 0 {
		last = t.samples[n-1].CPU
	}
	return max(t.final, last)
}

// Peaks returns the processes alive together when the tree's summed peak
// resident bytes were highest, the root first.
func (t *tracked) Peaks() []peak {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]peak(nil), t.peaks...)
}

// cpuAt interpolates the tree CPU at time at from samples (sorted by At).
func cpuAt(samples []sample, at time.Duration) time.Duration {
	return interpolate(samples, at, func(s sample) time.Duration { return s.CPU })
}

// rootAt interpolates the root process's own CPU at time at.
func rootAt(samples []sample, at time.Duration) time.Duration {
	return interpolate(samples, at, func(s sample) time.Duration { return s.Root })
}

func interpolate(samples []sample, at time.Duration, v func(sample) time.Duration) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	i := sort.Search(len(samples), func(i int) bool { return samples[i].At >= at })
	switch {
	case i == 0:
		return v(samples[0])
	case i == len(samples):
		return v(samples[len(samples)-1])
	}
	a, b := samples[i-1], samples[i]
	if b.At == a.At {
		return v(b)
	}
	frac := float64(at-a.At) / float64(b.At-a.At)
	return v(a) + time.Duration(frac*float64(v(b)-v(a)))
}

// settleWindow and settleCPU define "settled": the tree used less than
// settleCPU over the next settleWindow (5% of one core).
const (
	settleWindow = time.Second
	settleCPU    = 50 * time.Millisecond
)

// settledAt is the first moment at or after from when the tree has gone
// quiet, i.e. the work a first sync set off (store writes, history, alert
// evaluation, the collector's own follow-up) is done; ok is false when it
// never went quiet before the last sample.
func settledAt(samples []sample, from time.Duration) (time.Duration, bool) {
	for _, s := range samples {
		if s.At < from {
			continue
		}
		end := s.At + settleWindow
		if len(samples) == 0 || end > samples[len(samples)-1].At {
			break
		}
		if cpuAt(samples, end)-s.CPU < settleCPU {
			return s.At, true
		}
	}
	return 0, false
}

// steadyWindow is the longest window starting at from that spans a whole
// number of intervals and ends by end; ok is false when not even one fits.
func steadyWindow(from, end, interval time.Duration) (to time.Duration, cycles int, ok bool) {
	if interval <= 0 || end <= from {
		return 0, 0, false
	}
	cycles = int((end - from) / interval)
	if cycles < 1 {
		return 0, 0, false
	}
	return from + time.Duration(cycles)*interval, cycles, true
}

// perMinute scales CPU used over window to CPU per minute.
func perMinute(cpu, window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	return time.Duration(float64(cpu) * float64(time.Minute) / float64(window))
}

func mustTemp(pattern string) string {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchpeer:", err)
		os.Exit(1)
	}
	return dir
}

// writeSamples saves a run's readings as CSV (seconds since start, tree CPU
// seconds, tree RSS MiB) for a closer look with -keep.
func writeSamples(path string, samples []sample) error {
	var b strings.Builder
	b.WriteString("at_s,cpu_s,rss_mib\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "%.3f,%.2f,%.1f\n", s.At.Seconds(), s.CPU.Seconds(), float64(s.RSS)/(1<<20))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
