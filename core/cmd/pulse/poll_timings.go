package main

import (
	"fmt"
	"io"
	"time"
)

// pollPhases are the phases `pulse poll --timings` reports, in order.
var pollPhases = []string{"config", "plugin start", "configure", "check", "collect", "validate", "store", "plugin stop", "output"}

// pollTimings records how long each phase of one `pulse poll` took. A nil
// *pollTimings records nothing.
type pollTimings struct {
	start  time.Time
	phases map[string]time.Duration
	notes  map[string]string
	// overlap is time two phases ran at once (check beside collect), so
	// counted twice in phases.
	overlap time.Duration
}

func newPollTimings() *pollTimings {
	return &pollTimings{start: time.Now(), phases: map[string]time.Duration{}, notes: map[string]string{}}
}

// since records phase as having run from t0 until now.
func (t *pollTimings) since(phase string, t0 time.Time) {
	t.add(phase, time.Since(t0), "")
}

// add records d for phase, with a note on what it covered.
func (t *pollTimings) add(phase string, d time.Duration, note string) {
	if t == nil {
		return
	}
	t.phases[phase] += d
	if note != "" {
		t.notes[phase] = note
	}
}

// overlapped records d as time during which two recorded phases ran at once.
func (t *pollTimings) overlapped(d time.Duration) {
	if t != nil {
		t.overlap += d
	}
}

// write prints every phase that ran, its share of the total, and the total
// from the command's start.
func (t *pollTimings) write(w io.Writer, conn string) {
	if t == nil {
		return
	}
	total := time.Since(t.start)
	fmt.Fprintf(w, "pulse poll %s: timings\n", conn)
	var sum time.Duration
	for _, p := range pollPhases {
		d, ok := t.phases[p]
		if !ok {
			continue
		}
		sum += d
		fmt.Fprintf(w, "  %-13s %10.1f ms %5.1f%%  %s\n", p, millis(d), share(d, total), t.notes[p])
	}
	sum -= t.overlap
	if t.overlap > 0 {
		fmt.Fprintf(w, "  %-13s %10.1f ms %5.1f%%  %s\n", "(overlap)", -millis(t.overlap), -share(t.overlap, total), "check and collect ran at the same time; counted once")
	}
	fmt.Fprintf(w, "  %-13s %10.1f ms %5.1f%%  %s\n", "other", millis(total-sum), share(total-sum, total), "flag parsing, plugin discovery, waiting between phases")
	fmt.Fprintf(w, "  %-13s %10.1f ms\n", "total", millis(total))
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func share(d, total time.Duration) float64 {
	if total <= 0 {
		return 0
	}
	return 100 * float64(d) / float64(total)
}
