package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// side is what one process tree (Telegraf, or pulse serve with its
// plugins) did in one timed run.
type side struct {
	Name string
	Run  time.Duration // how long it ran before it was stopped
	CPU  time.Duration // tree CPU over Run
	// FirstSync is the wall time from start until the first collection was
	// stored (pulse: every connection's first poll in the store; Telegraf:
	// the first gather's lines written to the file); FirstSyncCPU the tree
	// CPU until then.
	FirstSync, FirstSyncCPU time.Duration
	// Settled is when the tree went quiet after the first sync (what the
	// first sync set off is done), SettledCPU the tree CPU until then: the
	// whole cost of the first sync. Unsettled means it never went quiet.
	Settled, SettledCPU time.Duration
	// SettledRoot and SteadyRoot are the root process's own share of
	// SettledCPU and Steady (for pulse serve: the core, not the plugin).
	SettledRoot, SteadyRoot time.Duration
	Unsettled               bool
	// Steady is the CPU over SteadyCycles whole intervals after the first
	// sync settled, SteadyPerMin the same per minute.
	Steady, SteadyWindow, SteadyPerMin time.Duration
	SteadyCycles                       int
	Peaks                              []peak // per process, root first
	// Detail is a line about what was collected.
	Detail string
}

// PeakTotal is the sum of each process's peak resident bytes.
func (s side) PeakTotal() int64 {
	var n int64
	for _, p := range s.Peaks {
		n += p.Bytes
	}
	return n
}

// measure turns a tracked run into a side.
func measure(name string, t *tracked, run, firstSync, interval time.Duration) side {
	samples := t.Samples()
	s := side{Name: name, Run: run, CPU: cpuAt(samples, run), FirstSync: firstSync,
		FirstSyncCPU: cpuAt(samples, firstSync), Peaks: t.Peaks()}
	settled, ok := settledAt(samples, firstSync)
	if !ok {
		settled, s.Unsettled = run, true
	}
	s.Settled, s.SettledCPU, s.SettledRoot = settled, cpuAt(samples, settled), rootAt(samples, settled)
	if to, n, ok := steadyWindow(settled, run, interval); ok {
		s.Steady = cpuAt(samples, to) - s.SettledCPU
		s.SteadyRoot = rootAt(samples, to) - s.SettledRoot
		s.SteadyWindow, s.SteadyCycles = to-settled, n
		s.SteadyPerMin = perMinute(s.Steady, s.SteadyWindow)
	}
	return s
}

// runTelegraf runs Telegraf alone for run and measures it.
func runTelegraf(ctx context.Context, o opts, v *vcenter, log io.Writer) (side, error) {
	dir := filepath.Join(o.work, "telegraf")
	must(os.MkdirAll(dir, 0o755))
	out := filepath.Join(dir, "metrics.out")
	conf, err := telegrafConfig(dir, v, o.interval, out, o.telegrafMetrics == "matched")
	if err != nil {
		return side{}, err
	}
	t, err := startTracked("telegraf", []string{o.telegraf, "--config", conf}, dir, log, o.sampleEvery)
	if err != nil {
		return side{}, err
	}
	defer t.Stop(10 * time.Second)
	wctx, cancel := context.WithTimeout(ctx, o.run)
	first, _, err := fileWatch{path: out, quiet: 2 * time.Second}.firstGather(wctx, t.start)
	cancel()
	if err != nil {
		return side{}, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return side{}, err
	}
	lines, vm := lineStats(b)
	if err := sleepUntil(ctx, t.start.Add(o.run)); err != nil {
		return side{}, err
	}
	t.Sample()
	t.Stop(10 * time.Second)
	_ = writeSamples(filepath.Join(dir, "samples.csv"), t.Samples())
	s := measure("Telegraf (discovery + gathers)", t, o.run, first, o.interval)
	s.Detail = fmt.Sprintf("first gather: %d lines (%d vsphere_vm_*)", lines, vm)
	return s, nil
}

// runPulse runs pulse serve alone with conns for run and measures it.
func runPulse(ctx context.Context, o opts, name string, run, interval time.Duration, log io.Writer, conns ...string) (side, []connStatus, error) {
	dir := filepath.Join(o.work, name)
	must(os.MkdirAll(dir, 0o755))
	addr := freeAddr()
	conf, err := pulseConfig(dir, o.bin, addr, conns...)
	if err != nil {
		return side{}, nil, err
	}
	t, err := startTracked("pulse serve", []string{filepath.Join(o.bin, "pulse"), "serve", "--config", conf}, dir, log, o.sampleEvery)
	if err != nil {
		return side{}, nil, err
	}
	defer t.Stop(10 * time.Second)
	wctx, cancel := context.WithTimeout(ctx, run)
	cs, err := waitSynced(wctx, "http://"+addr, len(conns))
	cancel()
	if err != nil {
		return side{}, nil, err
	}
	first := time.Since(t.start)
	t.Sample()
	if err := sleepUntil(ctx, t.start.Add(run)); err != nil {
		return side{}, nil, err
	}
	t.Sample()
	end, err := connections(ctx, httpClient(), "http://"+addr)
	if err != nil {
		return side{}, nil, err
	}
	t.Stop(10 * time.Second)
	_ = writeSamples(filepath.Join(dir, "samples.csv"), t.Samples())
	s := measure("pulse serve (core + plugin)", t, run, first, interval)
	var res, res0 int
	for _, c := range cs {
		res0 += c.Resources
	}
	var polls, fails uint64
	for _, c := range end {
		res += c.Resources
		polls += c.Polls
		fails += c.Failures
	}
	s.Detail = fmt.Sprintf("%d resources stored by the first sync, %d at the end; %d polls, %d failed", res0, res, polls, fails)
	return s, end, nil
}

func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}
