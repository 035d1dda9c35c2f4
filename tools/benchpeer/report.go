package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The goals of issue 15.
const (
	pveSteadyGoal = time.Second      // steady CPU per minute at 20 x 5,000
	pveRSSGoal    = 80 << 20         // total peak RSS at 20 x 5,000
	steadyRatio   = 0.5              // pulse steady CPU at most this times Telegraf's
	mib           = float64(1 << 20) // bytes per MiB
)

// report is everything one bench-peer run measured.
type report struct {
	Shape           string
	Counts          pollCounts
	Telegraf, Pulse *side
	PollWalls       []time.Duration // pulse poll, each run
	OnceWalls       []time.Duration // telegraf --once, each run
	PVE             *side
	PVEShape        string
}

// goal is one line of the verdict.
type goal struct {
	Name   string
	Pulse  string
	Target string
	Pass   bool
}

func best(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Min(d)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func mibs(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/mib) }

// peaks writes a tree's peak RSS as "total (core a + plugin b)".
func peaks(s *side) string {
	if len(s.Peaks) < 2 {
		return mibs(s.PeakTotal())
	}
	var parts []string
	for i, p := range s.Peaks {
		name := p.Comm // the kernel's, cut to 15 bytes
		if strings.HasPrefix(s.Name, "pulse") {
			name = "plugin"
			if i == 0 {
				name = "core"
			}
		}
		parts = append(parts, fmt.Sprintf("%s %.1f", name, float64(p.Bytes)/mib))
	}
	return fmt.Sprintf("%s (%s)", mibs(s.PeakTotal()), strings.Join(parts, " + "))
}

// goals evaluates the goals from what was measured; a goal whose
// inputs were not measured is left out.
func (r *report) goals() []goal {
	var g []goal
	if t, p := r.Telegraf, r.Pulse; t != nil && p != nil {
		g = append(g,
			goal{"first sync CPU (until settled) <= Telegraf's start, discovery and first gather", secs(p.SettledCPU), "<= " + secs(t.SettledCPU), !p.Unsettled && p.SettledCPU <= t.SettledCPU},
			goal{"steady CPU per minute <= 0.5 x Telegraf's", secs(p.SteadyPerMin), fmt.Sprintf("<= %s", secs(time.Duration(steadyRatio*float64(t.SteadyPerMin)))),
				t.SteadyCycles > 0 && p.SteadyCycles > 0 && float64(p.SteadyPerMin) <= steadyRatio*float64(t.SteadyPerMin)},
			goal{"peak RSS (core + plugin) <= Telegraf's", mibs(p.PeakTotal()), "<= " + mibs(t.PeakTotal()), p.PeakTotal() <= t.PeakTotal()},
		)
	}
	if len(r.PollWalls) > 0 && len(r.OnceWalls) > 0 {
		g = append(g, goal{"one-shot pulse poll wall <= telegraf --once (best of each)", secs(best(r.PollWalls)), "<= " + secs(best(r.OnceWalls)), best(r.PollWalls) <= best(r.OnceWalls)})
	}
	if p := r.PVE; p != nil {
		g = append(g,
			goal{"Proxmox 20x5000 steady CPU per minute", secs(p.SteadyPerMin), "<= " + secs(pveSteadyGoal), p.SteadyCycles > 0 && p.SteadyPerMin <= pveSteadyGoal},
			goal{"Proxmox 20x5000 peak RSS (core + plugin)", mibs(p.PeakTotal()), "<= " + mibs(pveRSSGoal), p.PeakTotal() <= pveRSSGoal},
		)
	}
	return g
}

// print writes the tables and the goals.
func (r *report) print(w io.Writer) {
	var rows []*side
	for _, x := range []*side{r.Telegraf, r.Pulse} {
		if x != nil {
			rows = append(rows, x)
		}
	}
	if len(rows) > 0 {
		fmt.Fprintf(w, "\n## vSphere: simulated vCenter, 1,000 VMs (pulse poll: %d resources, %d metrics), %s\n\n", r.Counts.Resources, r.Counts.Metrics, r.Shape)
		fmt.Fprintf(w, "| | CPU in %s (process tree) | first sync stored (wall, CPU) | first sync settled (wall, CPU) | steady CPU per minute | peak RSS |\n", rows[0].Run)
		fmt.Fprintln(w, "|---|---|---|---|---|---|")
		for _, s := range rows {
			fmt.Fprintf(w, "| %s | %s | %s, %s | %s | %s | %s |\n", s.Name, secs(s.CPU), secs(s.FirstSync),
				secs(s.FirstSyncCPU), settled(s), steady(s), peaks(s))
		}
		if t, p := r.Telegraf, r.Pulse; t != nil && p != nil {
			fmt.Fprintf(w, "| ratio pulse/telegraf | %s | %s | %s | %s | %s |\n",
				ratio(p.CPU.Seconds(), t.CPU.Seconds()), ratio(p.FirstSyncCPU.Seconds(), t.FirstSyncCPU.Seconds())+" (CPU)",
				ratio(p.SettledCPU.Seconds(), t.SettledCPU.Seconds())+" (CPU)", ratio(p.SteadyPerMin.Seconds(), t.SteadyPerMin.Seconds()),
				ratio(float64(p.PeakTotal()), float64(t.PeakTotal())))
		}
		fmt.Fprintln(w)
		for _, s := range rows {
			fmt.Fprintf(w, "%s: %s.\n", s.Name, s.Detail)
		}
	}
	if len(r.PollWalls) > 0 && len(r.OnceWalls) > 0 {
		fmt.Fprintf(w, "\n## One-shot (wall, best of %d)\n\n| pulse poll | telegraf --once | ratio |\n|---|---|---|\n| %s (runs: %s) | %s (runs: %s) | %s |\n",
			len(r.PollWalls), secs(best(r.PollWalls)), list(r.PollWalls), secs(best(r.OnceWalls)), list(r.OnceWalls),
			ratio(best(r.PollWalls).Seconds(), best(r.OnceWalls).Seconds()))
	}
	if p := r.PVE; p != nil {
		fmt.Fprintf(w, "\n## Proxmox VE scale: %s\n\n| | steady CPU per minute | peak RSS | first sync stored (wall, CPU) | settled (wall, CPU) | CPU in %s |\n|---|---|---|---|---|---|\n", r.PVEShape, p.Run)
		fmt.Fprintf(w, "| pulse serve (core + plugin) | %s | %s | %s, %s | %s | %s |\n", steady(p),
			peaks(p), secs(p.FirstSync), secs(p.FirstSyncCPU), settled(p), secs(p.CPU))
		fmt.Fprintf(w, "| goal | <= %s | <= %s in total | | | |\n", secs(pveSteadyGoal), mibs(pveRSSGoal))
		fmt.Fprintf(w, "\n%s.\n", p.Detail)
	}
	g := r.goals()
	if len(g) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Goals\n\n| goal | pulse | target | verdict |\n|---|---|---|---|\n")
	for _, x := range g {
		v := "FAIL"
		if x.Pass {
			v = "PASS"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", x.Name, x.Pulse, x.Target, v)
	}
}

func list(d []time.Duration) string {
	s := make([]string, len(d))
	for i, x := range d {
		s[i] = fmt.Sprintf("%.2f", x.Seconds())
	}
	return strings.Join(s, ", ")
}

// settled writes when a tree went quiet after its first sync and the CPU
// until then (with the core's share for pulse).
func settled(s *side) string {
	if s.Unsettled {
		return "never quiet"
	}
	return secs(s.Settled) + ", " + secs(s.SettledCPU) + coreShare(s, s.SettledRoot)
}

// coreShare is " (core X)" for a pulse tree with a plugin, else "".
func coreShare(s *side, root time.Duration) string {
	if !strings.HasPrefix(s.Name, "pulse") || len(s.Peaks) < 2 {
		return ""
	}
	return fmt.Sprintf(" (core %.2f)", root.Seconds())
}

// steady writes the steady CPU per minute and what it was measured over.
func steady(s *side) string {
	return fmt.Sprintf("%s%s (%d cycles in %s)", secs(s.SteadyPerMin), coreShare(s, perMinute(s.SteadyRoot, s.SteadyWindow)),
		s.SteadyCycles, s.SteadyWindow.Round(time.Second))
}
