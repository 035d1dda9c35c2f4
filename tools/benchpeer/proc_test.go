package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    procStat
		wantErr string
	}{
		{name: "plain", in: "100 (pulse) S 1 100 100 0 -1 4194560 5000 0 0 0 250 50 30 20 20 0 12 0",
			want: procStat{PID: 100, Comm: "pulse", PPID: 1, CPU: 3 * time.Second, ChildCPU: 500 * time.Millisecond}},
		{name: "comm with spaces and parentheses", in: "300 (a) b) (c) R 7 300 300 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0",
			want: procStat{PID: 300, Comm: "a) b) (c", PPID: 7, CPU: 100 * time.Millisecond}},
		{name: "no comm", in: "100 pulse S 1", wantErr: "no (comm) field"},
		{name: "short", in: "100 (pulse) S 1 100 100", wantErr: "fields after comm"},
		{name: "bad number", in: "100 (pulse) S 1 100 100 0 -1 4194560 5000 0 0 0 x 50 30 20", wantErr: "stat field 14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	got, err := parseStatus([]byte("Name:\tpulse\nVmPeak:\t 2000 kB\nVmHWM:\t   90000 kB\nVmRSS:\t   80000 kB\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (procMem{RSS: 80000 << 10, Peak: 90000 << 10}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// A kernel thread has neither line.
	if got, err := parseStatus([]byte("Name:\tkthreadd\nState:\tS\n")); err != nil || got != (procMem{}) {
		t.Errorf("kernel thread: got %+v, %v", got, err)
	}
	if _, err := parseStatus([]byte("VmRSS:\t 12 MB\n")); err == nil {
		t.Error("a unit other than kB was accepted")
	}
}

// The committed testdata/proc holds pulse (100), its plugin (200, listed in
// the children file of pulse's second thread) and an unrelated process.
func TestReadTree(t *testing.T) {
	tree, err := readTree("testdata/proc", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != 2 || tree[0].PID != 100 || tree[1].PID != 200 {
		t.Fatalf("tree = %+v, want pulse 100 then its plugin 200", tree)
	}
	// 250+50 + reaped 30+20 ticks of pulse, 120+30 of the plugin: 500 ticks.
	if got, want := treeCPU(tree), 5*time.Second; got != want {
		t.Errorf("treeCPU = %s, want %s", got, want)
	}
	if tree[1].Peak != 64000<<10 || tree[1].Comm != "pulse-plugin-vm" {
		t.Errorf("plugin = %+v", tree[1])
	}
	if tree, err := readTree("testdata/proc", 999); err != nil || tree != nil {
		t.Errorf("a gone root: %v, %v; want nil, nil", tree, err)
	}
}

// The real /proc: a child that burns CPU shows up in the tree of this
// process and its CPU is counted.
func TestTrackedLive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	tr, err := startTracked("sh", []string{sh, "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"}, t.TempDir(), os.Stderr, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tr.TotalCPU() <= 0 {
		t.Errorf("TotalCPU = %s after a busy loop", tr.TotalCPU())
	}
	if pk := tr.Peaks(); len(pk) == 0 || pk[0].Bytes <= 0 {
		t.Errorf("Peaks = %+v, want the shell's", pk)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
