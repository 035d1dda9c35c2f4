// Command benchpeer measures Pulse beside its peer, Telegraf, as a new user
// would on one machine: it runs the built binaries against the lab
// simulators, samples each process tree's CPU and memory from /proc, and
// prints the tables of issue 15 with ratios and PASS or FAIL per goal.
//
// `make bench-peer` runs it: Telegraf's inputs.vsphere and `pulse serve`
// each alone against the 1,000-VM simulated vCenter (first sync, steady
// CPU, peak RSS), the one-shot `pulse poll` against `telegraf --once`, and
// pulse serve against a 20-node, 5,000-guest simulated Proxmox VE.
// `make soak-bench` (-soak) runs one pulse serve against both simulators for
// a while, with 20 API clients, and reports RSS over time, CPU per cycle and
// API latency.
//
// CPU is user+sys seconds of the process tree, the figure that stays
// meaningful on a machine shared with other work; wall times are not.
// It is a benchmark, not a test: nothing here runs in `make test` but the
// parsing and arithmetic in its _test files.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
)

// The simulated Proxmox VE's API token.
const (
	pveTokenID     = fakepve.DefaultTokenID
	pveTokenSecret = fakepve.DefaultTokenSecret
)

// opts are the command line.
type opts struct {
	bin, telegraf, work   string
	interval, run         time.Duration
	once                  int
	pveNodes, pveGuests   int
	pveInterval, pveRun   time.Duration
	sampleEvery           time.Duration
	skipVSphere, skipPVE  bool
	skipTelegraf          bool
	telegrafMetrics       string
	soak                  bool
	soakRun, soakInterval time.Duration
	clients               int
	keep                  bool
	out                   string
}

func main() {
	var o opts
	flag.StringVar(&o.bin, "bin", "bin", "directory of the built pulse, plugins and simulators (make build)")
	flag.StringVar(&o.telegraf, "telegraf", "bin/tools/telegraf-v1.37.2/telegraf", "the Telegraf binary (built with the vsphere input and file output)")
	flag.DurationVar(&o.interval, "interval", 20*time.Second, "vSphere poll and gather interval")
	flag.DurationVar(&o.run, "duration", 70*time.Second, "how long each side runs alone against the vCenter")
	flag.IntVar(&o.once, "once", 3, "one-shot runs of each side (the best counts)")
	flag.IntVar(&o.pveNodes, "pve-nodes", 20, "simulated Proxmox VE nodes")
	flag.IntVar(&o.pveGuests, "pve-guests", 5000, "simulated Proxmox VE guests")
	flag.DurationVar(&o.pveInterval, "pve-interval", 10*time.Second, "Proxmox VE poll interval")
	flag.DurationVar(&o.pveRun, "pve-duration", 120*time.Second, "how long pulse serve polls the Proxmox VE")
	flag.DurationVar(&o.sampleEvery, "sample", 250*time.Millisecond, "how often the process trees are read from /proc")
	flag.BoolVar(&o.skipVSphere, "skip-vsphere", false, "skip the vCenter runs")
	flag.BoolVar(&o.skipTelegraf, "skip-telegraf", false, "run only pulse against the vCenter (no Telegraf, no one-shots)")
	flag.StringVar(&o.telegrafMetrics, "telegraf-metrics", "matched", "Telegraf's vsphere metrics: matched (the counters the pulse plugin reads) or all (the input's defaults)")
	flag.BoolVar(&o.skipPVE, "skip-pve", false, "skip the Proxmox VE run")
	flag.BoolVar(&o.soak, "soak", false, "run the whole-core soak instead: both simulators, one pulse serve, API clients")
	flag.DurationVar(&o.soakRun, "soak-duration", 10*time.Minute, "how long the soak runs after the first sync")
	flag.DurationVar(&o.soakInterval, "soak-sample", 10*time.Second, "how often the soak records the core's RSS and CPU")
	flag.IntVar(&o.clients, "clients", 20, "concurrent API clients during the soak's second half")
	flag.StringVar(&o.out, "out", "", "also write the tables to this file")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (configs, logs, Telegraf's output)")
	flag.Parse()
	for _, p := range []*string{&o.bin, &o.telegraf} {
		abs, err := filepath.Abs(*p)
		must(err)
		*p = abs
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o.work = mustTemp("pulse-benchpeer-")
	if o.keep {
		fmt.Fprintln(os.Stderr, "work directory:", o.work)
	} else {
		defer os.RemoveAll(o.work)
	}
	logf, err := os.Create(filepath.Join(o.work, "processes.log"))
	must(err)
	defer logf.Close()

	var w io.Writer = os.Stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		must(err)
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	var err2 error
	if o.telegrafMetrics != "matched" && o.telegrafMetrics != "all" {
		fmt.Fprintf(os.Stderr, "benchpeer: -telegraf-metrics %q: use matched or all\n", o.telegrafMetrics)
		os.Exit(2)
	}
	if o.soak {
		err2 = soak(ctx, o, logf, w)
	} else {
		err2 = peer(ctx, o, logf, w)
	}
	if err2 != nil {
		fmt.Fprintln(os.Stderr, "benchpeer:", err2)
		// os.Exit skips the deferred removal: the logs stay for the failure.
		fmt.Fprintln(os.Stderr, "process log:", logf.Name())
		os.Exit(1)
	}
}

// peer runs the vCenter comparison and the Proxmox VE scale run.
func peer(ctx context.Context, o opts, log io.Writer, out io.Writer) error {
	for _, f := range []string{filepath.Join(o.bin, "pulse"), filepath.Join(o.bin, "pulse-plugin-vmware-vsphere"),
		filepath.Join(o.bin, "pulse-sim-vmware-vsphere"), filepath.Join(o.bin, "pulse-sim-proxmox-pve"), o.telegraf} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s is missing: run `make build` (and make bench-peer builds Telegraf)", f)
		}
	}
	var r report
	if !o.skipVSphere {
		if err := vsphereRuns(ctx, o, log, &r); err != nil {
			return err
		}
	}
	if !o.skipPVE {
		fmt.Fprintf(os.Stderr, "proxmox ve: %d nodes x %d guests, pulse serve for %s\n", o.pveNodes, o.pveGuests, o.pveRun)
		p, err := startPVE(o.bin, o.pveNodes, o.pveGuests, log)
		if err != nil {
			return err
		}
		s, _, err := runPulse(ctx, o, "pulse-pve", o.pveRun, o.pveInterval, log, pveConn(p.URL, o.pveInterval))
		p.Stop()
		if err != nil {
			return err
		}
		r.PVE = &s
		r.PVEShape = fmt.Sprintf("%d nodes x %d guests, %s polls, %s", o.pveNodes, o.pveGuests, o.pveInterval, o.pveRun)
	}
	r.print(out)
	return nil
}

// vsphereRuns starts the simulated vCenter and runs Telegraf, pulse serve
// and the one-shots against it, one after the other.
func vsphereRuns(ctx context.Context, o opts, log io.Writer, r *report) error {
	fmt.Fprintln(os.Stderr, "starting the simulated vCenter (the first run builds the 1,000-VM model)")
	v, err := startVCenter(o.bin, log)
	if err != nil {
		return err
	}
	defer v.Stop()
	r.Shape = fmt.Sprintf("%s interval, each alone for %s; Telegraf metrics: %s", o.interval, o.run, o.telegrafMetrics)

	if !o.skipTelegraf {
		fmt.Fprintf(os.Stderr, "telegraf alone for %s\n", o.run)
		tg, err := runTelegraf(ctx, o, v, log)
		if err != nil {
			return err
		}
		r.Telegraf = &tg
	}

	fmt.Fprintf(os.Stderr, "pulse serve alone for %s\n", o.run)
	ps, _, err := runPulse(ctx, o, "pulse-vsphere", o.run, o.interval, log, vsphereConn(v, o.interval))
	if err != nil {
		return err
	}
	r.Pulse = &ps
	if o.skipTelegraf {
		return nil
	}

	fmt.Fprintf(os.Stderr, "one-shot: pulse poll and telegraf --once, %d each\n", o.once)
	dir := filepath.Join(o.work, "once")
	must(os.MkdirAll(dir, 0o755))
	pconf, err := pulseConfig(dir, o.bin, freeAddr(), vsphereConn(v, o.interval))
	if err != nil {
		return err
	}
	tconf, err := telegrafConfig(dir, v, o.interval, filepath.Join(dir, "once.out"), o.telegrafMetrics == "matched")
	if err != nil {
		return err
	}
	for i := range o.once {
		wall, n, err := pollOnce(ctx, o.bin, pconf, "bench-vcenter")
		if err != nil {
			return err
		}
		r.PollWalls = append(r.PollWalls, wall)
		if i == 0 {
			r.Counts = n
		}
		wall, err = telegrafOnce(ctx, o.telegraf, tconf)
		if err != nil {
			return err
		}
		r.OnceWalls = append(r.OnceWalls, wall)
	}
	return nil
}

func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
