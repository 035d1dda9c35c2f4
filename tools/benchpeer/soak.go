package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// soakPoint is one reading of the soak, every -soak-sample.
type soakPoint struct {
	At         time.Duration // since the first sync
	CoreRSS    int64
	PluginsRSS int64
	CPU        time.Duration // tree CPU since the previous point
	Loaded     bool          // API clients were running
}

// soak runs one pulse serve against both simulators for o.soakRun after the
// first sync: the first half quiet, the second half with o.clients API
// clients listing VMs as fast as they are answered.
func soak(ctx context.Context, o opts, log io.Writer, out io.Writer) error {
	fmt.Fprintln(os.Stderr, "soak: starting the simulated vCenter and Proxmox VE")
	v, err := startVCenter(o.bin, log)
	if err != nil {
		return err
	}
	defer v.Stop()
	p, err := startPVE(o.bin, o.pveNodes, o.pveGuests, log)
	if err != nil {
		return err
	}
	defer p.Stop()

	dir := filepath.Join(o.work, "soak")
	must(os.MkdirAll(dir, 0o755))
	addr := freeAddr()
	base := "http://" + addr
	conf, err := pulseConfig(dir, o.bin, addr, vsphereConn(v, o.interval), pveConn(p.URL, o.pveInterval))
	if err != nil {
		return err
	}
	t, err := startTracked("pulse serve", []string{filepath.Join(o.bin, "pulse"), "serve", "--config", conf}, dir, log, o.sampleEvery)
	if err != nil {
		return err
	}
	defer t.Stop(10 * time.Second)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	_, err = waitSynced(wctx, base, 2)
	cancel()
	if err != nil {
		return err
	}
	first := time.Since(t.start)
	s0, _ := t.Sample()
	fmt.Fprintf(os.Stderr, "soak: first sync after %s; running %s (clients in the second half)\n", first.Round(time.Millisecond), o.soakRun)

	c0, err := connections(ctx, httpClient(), base)
	if err != nil {
		return err
	}
	var points []soakPoint
	prev := s0.CPU
	syncAt := time.Now()
	half := o.soakRun / 2
	var load *apiLoad
	for i := 1; time.Duration(i)*o.soakInterval <= o.soakRun; i++ {
		if err := sleepUntil(ctx, syncAt.Add(time.Duration(i)*o.soakInterval)); err != nil {
			return err
		}
		s, ok := t.Sample()
		if !ok {
			return fmt.Errorf("pulse serve exited during the soak; see %s", filepath.Join(o.work, "processes.log"))
		}
		core, plugins := treeRSS(t.cmd.Process.Pid)
		points = append(points, soakPoint{At: time.Since(syncAt), CoreRSS: core, PluginsRSS: plugins, CPU: s.CPU - prev, Loaded: load != nil})
		prev = s.CPU
		fmt.Fprintf(os.Stderr, "soak: %s core %.1f MiB, plugins %.1f MiB, CPU %.2f s\n", points[len(points)-1].At.Round(time.Second),
			float64(core)/mib, float64(plugins)/mib, points[len(points)-1].CPU.Seconds())
		if load == nil && time.Duration(i)*o.soakInterval >= half {
			load = startLoad(base+"/api/v1/resources?type=vm", o.clients)
		}
	}
	var lat latencies
	if load != nil {
		lat = load.stop()
	}
	c1, err := connections(ctx, httpClient(), base)
	if err != nil {
		return err
	}
	samples := t.Samples()
	t.Stop(10 * time.Second)
	_ = writeSamples(filepath.Join(dir, "samples.csv"), samples)
	settled := "it never went quiet"
	if at, ok := settledAt(samples, first); ok {
		settled = fmt.Sprintf("settled (quiet) after %s, %s CPU", secs(at), secs(cpuAt(samples, at)))
	}
	printSoak(out, o, first, s0.CPU, settled, points, c0, c1, lat, t.Peaks())
	return nil
}

// treeRSS is the resident bytes of root and of its descendants now.
func treeRSS(root int) (core, others int64) {
	tree, err := readTree("/proc", root)
	if err != nil {
		return 0, 0
	}
	for _, p := range tree {
		if p.PID == root {
			core = p.RSS
		} else {
			others += p.RSS
		}
	}
	return core, others
}

// apiLoad is n clients fetching one URL in a loop.
type apiLoad struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	lat    latencies
	start  time.Time
}

func startLoad(url string, n int) *apiLoad {
	ctx, cancel := context.WithCancel(context.Background())
	l := &apiLoad{cancel: cancel, start: time.Now()}
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for range n {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				t0 := time.Now()
				resp, err := c.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s", resp.Status)
					}
				}
				d := time.Since(t0)
				if ctx.Err() != nil {
					return
				}
				l.mu.Lock()
				if err != nil {
					l.lat.Errors++
				} else {
					l.lat.D = append(l.lat.D, d)
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *apiLoad) stop() latencies {
	l.cancel()
	l.wg.Wait()
	l.lat.Over = time.Since(l.start)
	return l.lat
}

// latencies are the answered requests' durations.
type latencies struct {
	D      []time.Duration
	Errors int
	Over   time.Duration
}

// quantile returns the q-quantile (0..1) by the nearest-rank method.
func (l latencies) quantile(q float64) time.Duration {
	if len(l.D) == 0 {
		return 0
	}
	d := append([]time.Duration(nil), l.D...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	rank := int(q*float64(len(d))+0.999999) - 1
	return d[min(max(rank, 0), len(d)-1)]
}

// slope is the least-squares growth of ys over xs, per unit of x.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

// flatness is the core's RSS trend over the quiet steady points (after the
// first minute): the slope in MiB per minute, and whether the run's total
// drift at that slope stays within 5% of the mean.
func flatness(points []soakPoint) (perMin, mean float64, flat bool, n int) {
	var xs, ys []float64
	for _, p := range points {
		if p.At < time.Minute && len(points) > 8 {
			continue // the first minute settles the heap after the first sync
		}
		xs = append(xs, p.At.Minutes())
		ys = append(ys, float64(p.CoreRSS)/mib)
	}
	if len(xs) < 2 {
		return 0, 0, false, len(xs)
	}
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	perMin = slope(xs, ys)
	drift := perMin * (xs[len(xs)-1] - xs[0])
	return perMin, mean, drift < 0.05*mean && drift > -0.05*mean, len(xs)
}

func printSoak(w io.Writer, o opts, first, firstCPU time.Duration, settled string, points []soakPoint, c0, c1 []connStatus, lat latencies, pk []peak) {
	fmt.Fprintf(w, "\n## Soak: one pulse serve, vCenter 1,000 VMs (%s) + Proxmox VE %d x %d (%s), %s after the first sync\n\n",
		o.interval, o.pveNodes, o.pveGuests, o.pveInterval, o.soakRun)
	fmt.Fprintf(w, "First sync of both stored: %s wall, %s CPU (core + plugins); %s.\n\n", secs(first), secs(firstCPU), settled)
	fmt.Fprintf(w, "| since first sync | core RSS | plugins RSS | CPU in the last %s | API clients |\n|---|---|---|---|---|\n", o.soakInterval)
	var quiet, loaded time.Duration
	var nq, nl int
	for _, p := range points {
		cl := "-"
		if p.Loaded {
			cl = fmt.Sprint(o.clients)
			loaded += p.CPU
			nl++
		} else {
			quiet += p.CPU
			nq++
		}
		fmt.Fprintf(w, "| %s | %.1f MiB | %.1f MiB | %.2f s | %s |\n", p.At.Round(time.Second), float64(p.CoreRSS)/mib, float64(p.PluginsRSS)/mib, p.CPU.Seconds(), cl)
	}
	var quietPts []soakPoint
	for _, p := range points {
		if !p.Loaded {
			quietPts = append(quietPts, p)
		}
	}
	perMin, mean, flat, n := flatness(quietPts)
	verdict := "NOT flat"
	if flat {
		verdict = "flat"
	}
	fmt.Fprintf(w, "\nCore RSS at steady state (quiet half, %d points after the first minute): mean %.1f MiB, trend %+.2f MiB/min: %s (drift within 5%% of the mean).\n", n, mean, perMin, verdict)
	var loadedPts []soakPoint
	for _, p := range points {
		if p.Loaded {
			loadedPts = append(loadedPts, p)
		}
	}
	if perMin, mean, _, n := flatness(loadedPts); n >= 2 {
		fmt.Fprintf(w, "Core RSS with %d API clients (%d points): mean %.1f MiB, trend %+.2f MiB/min.\n", o.clients, n, mean, perMin)
	}
	polls := func(cs []connStatus) map[string]uint64 {
		m := map[string]uint64{}
		for _, c := range cs {
			m[c.Platform] = c.Polls
		}
		return m
	}
	p0, p1 := polls(c0), polls(c1)
	if nq > 0 {
		win := time.Duration(nq) * o.soakInterval
		fmt.Fprintf(w, "CPU, quiet: %s per minute; per %s PVE cycle %s (%d PVE and %d vSphere polls over the whole soak).\n",
			secs(perMinute(quiet, win)), o.pveInterval, secs(time.Duration(float64(quiet)*float64(o.pveInterval)/float64(win))),
			p1["proxmox-pve"]-p0["proxmox-pve"], p1["vmware-vsphere"]-p0["vmware-vsphere"])
	}
	if nl > 0 {
		fmt.Fprintf(w, "CPU, with %d API clients: %s per minute.\n", o.clients, secs(perMinute(loaded, time.Duration(nl)*o.soakInterval)))
	}
	if len(lat.D) > 0 {
		fmt.Fprintf(w, "API GET /api/v1/resources?type=vm, %d concurrent clients for %s: %d requests (%.1f/s), %d errors; p50 %s, p99 %s, max %s.\n",
			o.clients, lat.Over.Round(time.Second), len(lat.D), float64(len(lat.D))/lat.Over.Seconds(), lat.Errors,
			ms(lat.quantile(0.5)), ms(lat.quantile(0.99)), ms(lat.quantile(1)))
	}
	var parts []string
	for i, p := range pk {
		name := p.Comm
		if i == 0 {
			name = "core"
		}
		parts = append(parts, fmt.Sprintf("%s %.1f MiB", name, float64(p.Bytes)/mib))
	}
	fmt.Fprintf(w, "Peak RSS (VmHWM): %v.\n", parts)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
