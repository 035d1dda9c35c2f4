package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
)

// alertsDemo drives the lab's alerts walkthrough on a running fake: the
// first running qemu guest's memory goes to 97% of its maximum for `high`,
// then back to 50% for `high`, over and over (so a threshold rule fires
// and resolves); the second running qemu guest gets a failed vzdump at
// start and a good backup after backupAfter (so "the last backup failed"
// stays active until then).
func alertsDemo(ctx context.Context, f *fakepve.Fake, high, backupAfter time.Duration, out io.Writer) {
	var hot, cold *fakepve.Guest
	c := f.Snapshot()
	gs := append([]*fakepve.Guest(nil), c.Guests...)
	sort.Slice(gs, func(i, j int) bool { return gs[i].VMID < gs[j].VMID })
	for _, g := range gs {
		if g.Type != "qemu" || g.Status != "running" || g.Template {
			continue
		}
		switch {
		case hot == nil:
			hot = g
		case cold == nil:
			cold = g
		}
	}
	if hot == nil || cold == nil {
		fmt.Fprintln(out, "alerts demo: needs two running qemu guests; off")
		return
	}
	var store string
	for _, s := range c.Storages {
		if s.Shared && s.Enabled {
			store = s.Name
			break
		}
	}
	start := time.Now()
	f.Update(func(c *fakepve.Cluster) {
		c.Tasks = append(c.Tasks, &fakepve.Task{Node: cold.Node, Type: "vzdump", ID: strconv.Itoa(cold.VMID), User: "root@pam",
			Status: "job errors", Start: start.Add(-2 * time.Minute), End: start.Add(-time.Minute), PID: 4242})
	})
	fmt.Fprintf(out, "alerts demo: guest %d (%s) memory 97%% for %s then 50%% for %s, repeating; guest %d (%s) has a failed backup now and a good one at %s\n",
		hot.VMID, hot.Name, high, high, cold.VMID, cold.Name, start.Add(backupAfter).Format(time.TimeOnly))
	setMem := func(ratio float64) {
		f.Update(func(c *fakepve.Cluster) {
			if g := c.Guest(hot.VMID); g != nil {
				g.Mem = int64(float64(g.MaxMem) * ratio)
			}
		})
	}
	setMem(0.97)
	hotNow := true
	flip := time.NewTicker(high)
	defer flip.Stop()
	backup := time.NewTimer(backupAfter)
	defer backup.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flip.C:
			hotNow = !hotNow
			if hotNow {
				setMem(0.97)
			} else {
				setMem(0.50)
			}
		case <-backup.C:
			if store == "" {
				continue
			}
			f.Update(func(c *fakepve.Cluster) {
				if s := c.Storage(store); s != nil {
					s.Backups = append(s.Backups, &fakepve.Backup{VMID: cold.VMID, GuestType: "qemu", Time: time.Now().UTC().Truncate(time.Second),
						Size: 2 << 30, Notes: "lab demo: the backup after the failed one"})
				}
				c.Tasks = append(c.Tasks, &fakepve.Task{Node: cold.Node, Type: "vzdump", ID: strconv.Itoa(cold.VMID), User: "root@pam",
					Status: "OK", Start: time.Now().Add(-time.Minute), End: time.Now(), PID: 4343})
			})
			fmt.Fprintf(out, "alerts demo: guest %d backed up successfully\n", cold.VMID)
		}
	}
}
