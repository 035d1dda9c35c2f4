package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
)

// TestVSphereWatchReachesTheStoreWithinTwoSeconds: a VM powered off in
// vCenter shows as stopped in the core's store, through the real plugin
// binary's Watch, long before the next poll (the poll interval is 10 min).
func TestVSphereWatchReachesTheStoreWithinTwoSeconds(t *testing.T) {
	m := simulator.VPX()
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	defer m.Remove()
	m.Service.TLS = new(tls.Config)
	vc := m.Service.NewServer()
	defer vc.Close()
	ctx := context.Background()
	gc, err := govmomi.NewClient(ctx, vc.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Logout(ctx)
	vm, err := find.NewFinder(gc.Client).VirtualMachine(ctx, "DC0_H0_VM0")
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "pulse.hcl")
	writeFile(t, cfg, fmt.Sprintf(`server {
  listen   = %q
  data_dir = "data"
}
connection "vmware-vsphere" "vc" {
  endpoint      = "https://%s/sdk"
  username      = "user"
  password      = "pass"
  poll_interval = "10m"
  timeout       = "30s"
  tls { insecure_skip_verify = true }
}
`, addr, vc.URL.Host))
	bearer = newToken(t, dir, cfg, "read")
	core := exec.Command(filepath.Join(binDir, "pulse"), "serve", "--config", cfg)
	core.Dir = dir
	if err := core.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = core.Process.Signal(syscall.SIGTERM); _ = core.Wait() }()

	status := func() string {
		var list struct {
			Resources []struct{ Name, Status string } `json:"resources"`
		}
		if getJSON("http://"+addr+"/api/v1/resources?type=vm&platform=vmware-vsphere", &list) != nil {
			return ""
		}
		for _, r := range list.Resources {
			if r.Name == "DC0_H0_VM0" {
				return r.Status
			}
		}
		return ""
	}
	deadline := time.Now().Add(30 * time.Second)
	for status() != "running" {
		if time.Now().After(deadline) {
			var c any
			_ = getJSON("http://"+addr+"/api/v1/connections", &c)
			t.Fatalf("the VM is not running in the store after 30s; connections: %v", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var conns struct {
		Connections []struct{ Watching bool } `json:"connections"`
	}
	waitFor(t, "the watch to start", 10*time.Second, func() bool {
		return getJSON("http://"+addr+"/api/v1/connections", &conns) == nil && conns.Connections[0].Watching
	})
	time.Sleep(200 * time.Millisecond) // let the first WaitForUpdatesEx settle

	task, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, "the power-off in the store", 2*time.Second, func() bool { return status() == "stopped" })
	t.Logf("power-off reached the core's store in %s", time.Since(start))
}
