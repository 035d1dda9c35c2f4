package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestRunPrintsReady starts the simulator on a free port and stops it.
func TestRunPrintsReady(t *testing.T) {
	for _, args := range [][]string{{"-listen", "127.0.0.1:0"}, {"-listen", "127.0.0.1:0", "-insecure", "-version", "25.04.2"}} {
		ctx, cancel := context.WithCancel(context.Background())
		r, w := io.Pipe()
		done := make(chan error, 1)
		go func() { done <- run(ctx, args, w); _ = w.Close() }()
		sc := bufio.NewScanner(r)
		var ready string
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready = u
				break
			}
		}
		go func() { _, _ = io.Copy(io.Discard, r) }()
		want := "wss://"
		if len(args) > 2 {
			want = "ws://"
		}
		if !strings.HasPrefix(ready, want) || !strings.HasSuffix(ready, "/api/current") {
			t.Errorf("%v: READY %q", args, ready)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: %v", args, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the simulator did not stop")
		}
	}
}
