package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK)
// would need cgo).
const clockTicks = 100

// procStat is what the benchmark reads from /proc/<pid>/stat.
type procStat struct {
	PID  int
	Comm string
	PPID int
	// CPU is utime+stime of the process itself.
	CPU time.Duration
	// ChildCPU is cutime+cstime: the CPU of children it has already reaped.
	ChildCPU time.Duration
}

// parseStat parses the contents of /proc/<pid>/stat. The command name is in
// parentheses and may itself hold spaces and parentheses, so the fields are
// counted from the last ')'.
func parseStat(b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return procStat{}, fmt.Errorf("stat %q: no (comm) field", truncate(b))
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return procStat{}, fmt.Errorf("stat %q: pid: %w", truncate(b), err)
	}
	// Fields after comm, numbered as in proc(5) from 3 (state).
	f := strings.Fields(string(b[end+1:]))
	const state, ppid, utime, stime, cutime, cstime = 3, 4, 14, 15, 16, 17
	if len(f) < cstime-state+1 {
		return procStat{}, fmt.Errorf("stat %q: %d fields after comm, want at least %d", truncate(b), len(f), cstime-state+1)
	}
	field := func(n int) (int64, error) {
		v, err := strconv.ParseInt(f[n-state], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat field %d of pid %d: %w", n, pid, err)
		}
		return v, nil
	}
	var v [4]int64
	for i, n := range []int{utime, stime, cutime, cstime} {
		if v[i], err = field(n); err != nil {
			return procStat{}, err
		}
	}
	pp, err := field(ppid)
	if err != nil {
		return procStat{}, err
	}
	return procStat{PID: pid, Comm: string(b[open+1 : end]), PPID: int(pp),
		CPU: ticks(v[0] + v[1]), ChildCPU: ticks(v[2] + v[3])}, nil
}

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

func truncate(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// procMem is what the benchmark reads from /proc/<pid>/status, in bytes.
type procMem struct {
	RSS  int64 // VmRSS: resident now
	Peak int64 // VmHWM: the most it was ever resident
}

// parseStatus reads VmRSS and VmHWM from the contents of /proc/<pid>/status.
// A kernel thread or a zombie has neither; that is not an error.
func parseStatus(b []byte) (procMem, error) {
	var m procMem
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(val), " ")
		if unit != "kB" {
			return m, fmt.Errorf("status %s: unit %q, want kB", name, unit)
		}
		kb, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return m, fmt.Errorf("status %s: %w", name, err)
		}
		if name == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
	}
	return m, nil
}

// proc is one process of a tree as sampled.
type proc struct {
	procStat
	procMem
}

// readProc reads one process from procRoot ("/proc" but for tests).
func readProc(procRoot string, pid int) (proc, error) {
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return proc{}, err
	}
	st, err := parseStat(b)
	if err != nil {
		return proc{}, err
	}
	b, err = os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return proc{}, err
	}
	m, err := parseStatus(b)
	if err != nil {
		return proc{}, fmt.Errorf("pid %d: %w", pid, err)
	}
	return proc{procStat: st, procMem: m}, nil
}

// readTree reads root and its descendants from procRoot, root first,
// following /proc/<pid>/task/<tid>/children. Processes that exit while it
// reads are skipped; nil means root itself is gone.
func readTree(procRoot string, root int) ([]proc, error) {
	var out []proc
	queue := []int{root}
	seen := map[int]bool{}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		p, err := readProc(procRoot, pid)
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		kids, err := children(procRoot, pid)
		if err != nil {
			return nil, err
		}
		queue = append(queue, kids...)
	}
	return out, nil
}

// children lists the child pids of every thread of pid.
func children(procRoot string, pid int) ([]int, error) {
	files, err := filepath.Glob(filepath.Join(procRoot, strconv.Itoa(pid), "task", "*", "children"))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		for _, s := range strings.Fields(string(b)) {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not a pid", f, s)
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// treeCPU is the CPU a process tree has used: each live process's own CPU
// plus what each has reaped from exited children. A child is counted either
// alive (its own times) or reaped (in its parent's), never both.
func treeCPU(tree []proc) time.Duration {
	var d time.Duration
	for _, p := range tree {
		d += p.CPU + p.ChildCPU
	}
	return d
}
