package daemon

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// serveLimited serves h on 127.0.0.1:0 with lim and returns the address.
func serveLimited(t *testing.T, h http.Handler, lim Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(h, lim, hclog.NewNullLogger())
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// TestSlowlorisAndOversizedRequests: clients that send their header or
// body a byte at a time are cut off at the limits, oversized headers and
// bodies are refused with 431 and 413, and a well-behaved client is served
// quickly all the while.
func TestSlowlorisAndOversizedRequests(t *testing.T) {
	h, _, _ := operator(t, "server {\n  data_dir = \"data\"\n}\n")
	lim := Limits{MaxHeaderBytes: 8 << 10, MaxBodyBytes: 64 << 10, ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, IdleTimeout: 5 * time.Second}
	addr := serveLimited(t, h, lim)

	const slow = 60
	var wg sync.WaitGroup
	cut := make(chan time.Duration, 2*slow)
	trickle := func(prefix string) {
		defer wg.Done()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		start := time.Now()
		if _, err := io.WriteString(c, prefix); err != nil {
			return
		}
		for time.Since(start) < 30*time.Second {
			time.Sleep(100 * time.Millisecond)
			if _, err := io.WriteString(c, "a"); err != nil {
				break
			}
			_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
			var b [1]byte
			if _, err := c.Read(b[:]); err != nil && !isTimeout(err) {
				break // the server closed it
			}
		}
		cut <- time.Since(start)
	}
	for i := 0; i < slow; i++ {
		wg.Add(2)
		go trickle("GET /api/v1/platforms HTTP/1.1\r\nHost: x\r\nX-Slow: ")                                                      // slow header
		go trickle("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n") // slow body
	}

	// A well-behaved client meanwhile.
	var worst time.Duration
	for i := 0; i < 20; i++ {
		start := time.Now()
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("healthz: %d", resp.StatusCode)
		}
		worst = max(worst, time.Since(start))
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	close(cut)
	var longest time.Duration
	n := 0
	for d := range cut {
		longest = max(longest, d)
		n++
	}
	t.Logf("%d slow clients cut off, the longest after %s (limits: header %s, request %s); a normal client's slowest answer meanwhile %s",
		n, longest.Round(time.Millisecond), lim.ReadHeaderTimeout, lim.ReadTimeout, worst.Round(time.Millisecond))
	if longest > 10*time.Second {
		t.Fatalf("a slow client held its connection for %s", longest)
	}
	if worst > 3*time.Second {
		t.Fatalf("a normal client waited %s behind slow ones", worst)
	}

	// Oversized header: 431.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("b", 64<<10))
	line, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if !strings.Contains(line, "431") {
		t.Fatalf("oversized header: %q", line)
	}
	// Oversized declared body: 413 before any authentication or reading.
	resp, err := http.Post("http://"+addr+"/api/v1/reload", "application/json", strings.NewReader(strings.Repeat("x", 128<<10)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("oversized body: %d", resp.StatusCode)
	}
	// Oversized chunked body to sign-in: refused, bounded.
	pr, pw := io.Pipe()
	go func() {
		defer pw.Close()
		for i := 0; i < 64; i++ {
			if _, err := pw.Write([]byte(strings.Repeat("y", 4<<10))); err != nil {
				return
			}
		}
	}()
	resp, err = http.Post("http://"+addr+"/api/v1/session", "application/json", pr)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 413 {
			t.Fatalf("oversized chunked sign-in: %d", resp.StatusCode)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
