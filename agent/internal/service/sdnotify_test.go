package service

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestNotifyReachesTheSocket(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: p, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv("NOTIFY_SOCKET", p)
	if ok, err := Notify("READY=1"); !ok || err != nil {
		t.Fatalf("notify = %v, %v", ok, err)
	}
	buf := make([]byte, 64)
	_ = ln.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := ln.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	t.Setenv("WATCHDOG_USEC", "10000000")
	if WatchdogInterval() != 5*time.Second {
		t.Fatalf("watchdog = %s", WatchdogInterval())
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if ok, _ := Notify("READY=1"); ok {
		t.Fatal("notified without a socket")
	}
}
