package faketruenas

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

type handler func(c *wsConn, params []json.RawMessage) (any, *rpcError)

var methods map[string]handler

func init() {
	methods = map[string]handler{
		"system.info": systemInfo,
		"system.host_id": func(c *wsConn, _ []json.RawMessage) (any, *rpcError) {
			return c.f.read(func(m *Model) any { return m.HostID }), nil
		},
		"core.subscribe":   subscribe,
		"core.unsubscribe": unsubscribe,
		"core.get_jobs": func(c *wsConn, p []json.RawMessage) (any, *rpcError) {
			return c.f.query(p, func(m *Model) []Row { return c.f.jobs })
		},
		"pool.query":          rows(func(m *Model) []Row { return m.Pools }),
		"pool.dataset.query":  datasetQuery,
		"disk.query":          diskQuery,
		"disk.temperatures":   temperatures,
		"smart.test.results":  rows(func(m *Model) []Row { return m.SMART }),
		"zfs.snapshot.query":  rows(func(m *Model) []Row { return m.Snapshots }),
		"pool.snapshot.query": rows(func(m *Model) []Row { return m.Snapshots }),
		"replication.query":   rows(func(m *Model) []Row { return m.Replications }),
		"cloudsync.query":     rows(func(m *Model) []Row { return m.CloudSyncs }),
		"alert.list":          alertList,
		"app.query":           rows(func(m *Model) []Row { return m.Apps }),
		"app.start":           appJob("start"),
		"app.stop":            appJob("stop"),
		"app.restart":         appJob("restart"),
	}
}

// read runs fn under the lock and returns its result encoded, so no caller
// sees the model change under it.
func (f *Fake) read(fn func(m *Model) any) json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := json.Marshal(fn(f.model))
	return b
}

// query applies filters and options to a collection under the lock.
func (f *Fake) query(params []json.RawMessage, coll func(m *Model) []Row) (any, *rpcError) {
	filters, opts, err := parseQuery(params)
	if err != nil {
		return nil, errInvalid(err.Error())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out, rerr := applyQuery(coll(f.model), filters, opts)
	if rerr != nil {
		return nil, rerr
	}
	b, _ := json.Marshal(out)
	return json.RawMessage(b), nil
}

func rows(coll func(m *Model) []Row) handler {
	return func(c *wsConn, p []json.RawMessage) (any, *rpcError) { return c.f.query(p, coll) }
}

func systemInfo(c *wsConn, p []json.RawMessage) (any, *rpcError) {
	if len(p) > 0 {
		return nil, errInvalid("system.info takes no parameters")
	}
	return c.f.read(func(m *Model) any {
		info := maps.Clone(m.Info)
		if boot, ok := info["boottime"].(Row); ok {
			if ms, ok := boot["$date"].(int64); ok {
				now := c.f.opts.Now()
				info["datetime"] = date(now)
				up := now.Sub(time.UnixMilli(ms)).Seconds()
				if up > 0 {
					info["uptime_seconds"] = up
				}
			}
		}
		return info
	}), nil
}

// datasetQuery honours extra.flat (default true) and
// extra.retrieve_children (default true: children nested when not flat).
func datasetQuery(c *wsConn, p []json.RawMessage) (any, *rpcError) {
	return c.f.query(p, func(m *Model) []Row { return m.Datasets })
}

// diskQuery adds "pool" when extra.pools is set, as TrueNAS 24.10+ does.
func diskQuery(c *wsConn, p []json.RawMessage) (any, *rpcError) {
	_, opts, err := parseQuery(p)
	if err != nil {
		return nil, errInvalid(err.Error())
	}
	pools, _ := opts.Extra["pools"].(bool)
	return c.f.query(p, func(m *Model) []Row {
		if !pools {
			return m.Disks
		}
		out := make([]Row, len(m.Disks))
		for i, d := range m.Disks {
			r := maps.Clone(d)
			if pl, ok := m.DiskPools[d["name"].(string)]; ok {
				r["pool"] = pl
			} else {
				r["pool"] = nil
			}
			out[i] = r
		}
		return out
	})
}

// temperatures is disk.temperatures(names, include_thresholds): an empty
// list means every disk.
func temperatures(c *wsConn, p []json.RawMessage) (any, *rpcError) {
	var names []string
	if len(p) > 0 && string(p[0]) != "null" {
		if err := json.Unmarshal(p[0], &names); err != nil {
			return nil, errInvalid("names: " + err.Error())
		}
	}
	return c.f.read(func(m *Model) any {
		out := map[string]any{}
		for n, t := range m.Temperatures {
			out[n] = t
		}
		if len(names) > 0 {
			sel := map[string]any{}
			for _, n := range names {
				sel[n] = out[n]
			}
			return sel
		}
		return out
	}), nil
}

func alertList(c *wsConn, p []json.RawMessage) (any, *rpcError) {
	if len(p) > 0 {
		return nil, errInvalid("alert.list takes no parameters")
	}
	return c.f.read(func(m *Model) any { return m.Alerts }), nil
}

func subscribe(c *wsConn, p []json.RawMessage) (any, *rpcError) {
	var name string
	if len(p) != 1 || json.Unmarshal(p[0], &name) != nil || name == "" {
		return nil, errInvalid("core.subscribe takes one parameter, the event name")
	}
	switch name {
	case "app.query", "pool.query", "alert.list", "core.get_jobs", "disk.query":
	case "reporting.realtime":
		c.f.startRealtime()
	default:
		return nil, callError("ENOENT", fmt.Sprintf("Event %q not found", name))
	}
	c.f.mu.Lock()
	c.f.nextSub++
	id := fmt.Sprintf("sub-%d", c.f.nextSub)
	c.f.mu.Unlock()
	c.mu.Lock()
	c.subs[id] = name
	c.mu.Unlock()
	return id, nil
}

func unsubscribe(c *wsConn, p []json.RawMessage) (any, *rpcError) {
	var id string
	if len(p) != 1 || json.Unmarshal(p[0], &id) != nil {
		return nil, errInvalid("core.unsubscribe takes one parameter, the subscription id")
	}
	c.mu.Lock()
	delete(c.subs, id)
	c.mu.Unlock()
	return nil, nil
}

// appJob starts a job that starts, stops or restarts an app.
func appJob(action string) handler {
	return func(c *wsConn, p []json.RawMessage) (any, *rpcError) {
		var name string
		if len(p) < 1 || json.Unmarshal(p[0], &name) != nil || name == "" {
			return nil, errInvalid("app." + action + " takes the app name")
		}
		f := c.f
		f.mu.Lock()
		a := findRow(f.model.Apps, "name", name)
		if a == nil {
			f.mu.Unlock()
			return nil, callError("ENOENT", fmt.Sprintf("App %q does not exist", name))
		}
		f.nextJob++
		id := f.nextJob
		job := Row{"id": id, "method": "app." + action, "arguments": []any{name}, "state": "RUNNING",
			"progress": Row{"percent": 10, "description": action + "ing app", "extra": nil},
			"result":   nil, "error": nil, "exception": nil, "exc_info": nil, "abortable": false,
			"time_started": date(time.Now()), "time_finished": nil}
		f.jobs = append(f.jobs, job)
		failMsg := f.failJobs[name]
		dur := f.opts.JobDuration
		deploy := f.opts.DeployDuration
		if action != "stop" {
			a["state"] = "DEPLOYING"
		} else {
			a["state"] = "STOPPING"
		}
		f.timers.Add(1)
		f.mu.Unlock()
		f.publish(Change{Collection: "app.query", ID: name, Msg: "changed", Fields: f.appFields(name)})
		go func() {
			defer f.timers.Done()
			time.Sleep(dur)
			f.finishJob(job, name, action, failMsg, deploy)
		}()
		return id, nil
	}
}

func (f *Fake) appFields(name string) Row {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := findRow(f.model.Apps, "name", name); a != nil {
		return maps.Clone(a)
	}
	return nil
}

func (f *Fake) finishJob(job Row, name, action, failMsg string, deploy time.Duration) {
	f.mu.Lock()
	a := findRow(f.model.Apps, "name", name)
	job["time_finished"] = date(time.Now())
	job["progress"] = Row{"percent": 100, "description": "done", "extra": nil}
	final := "RUNNING"
	if action == "stop" {
		final = "STOPPED"
	}
	switch {
	case failMsg != "":
		job["state"] = "FAILED"
		job["error"] = fmt.Sprintf("[EFAULT] Failed '%s' action for '%s' app: %s", map[string]string{"start": "up", "restart": "up", "stop": "down"}[action], name, failMsg)
		if a != nil {
			a["state"] = "CRASHED"
			setContainers(a, "exited")
		}
	default:
		job["state"] = "SUCCESS"
		if a != nil {
			if action != "stop" && deploy > 0 {
				a["state"] = "DEPLOYING"
			} else {
				a["state"] = final
			}
			if final == "RUNNING" {
				setContainers(a, "running")
			} else {
				setContainers(a, "")
			}
		}
	}
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return
	}
	f.publish(Change{Collection: "core.get_jobs", ID: job["id"], Msg: "changed", Fields: job})
	f.publish(Change{Collection: "app.query", ID: name, Msg: "changed", Fields: f.appFields(name)})
	if failMsg == "" && action != "stop" && deploy > 0 {
		time.Sleep(deploy)
		f.mu.Lock()
		if a := findRow(f.model.Apps, "name", name); a != nil {
			a["state"] = "RUNNING"
		}
		f.mu.Unlock()
		f.publish(Change{Collection: "app.query", ID: name, Msg: "changed", Fields: f.appFields(name)})
	}
}

func setContainers(a Row, state string) {
	w, _ := a["active_workloads"].(Row)
	if w == nil {
		return
	}
	if state == "" {
		w["containers"] = 0
		w["container_details"] = []any{}
		return
	}
	details, _ := w["container_details"].([]any)
	if len(details) == 0 {
		img := ""
		if imgs, _ := w["images"].([]any); len(imgs) > 0 {
			img, _ = imgs[0].(string)
		}
		details = []any{Row{"id": "c-" + a["name"].(string), "service_name": a["name"], "image": img, "port_config": w["used_ports"], "state": state, "volume_mounts": []any{}}}
	}
	for _, d := range details {
		if m, ok := d.(Row); ok {
			m["state"] = state
		}
	}
	w["container_details"] = details
	w["containers"] = len(details)
}

// startRealtime starts the reporting.realtime publisher once: every
// RealtimeInterval it sends CPU and memory figures, shaped as the
// middleware's realtime event, to the sockets subscribed to it.
func (f *Fake) startRealtime() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.realtime != nil || f.closed {
		return
	}
	stop := make(chan struct{})
	f.realtime = stop
	interval := f.opts.RealtimeInterval
	total, _ := f.model.Info["physmem"].(int64)
	f.timers.Add(1)
	go func() {
		defer f.timers.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			usage := 12.5 + float64(i%5)
			avail := total / 100 * int64(38+i%3)
			f.publish(Change{Collection: "reporting.realtime", Msg: "added", Fields: Row{
				"cpu":               Row{"cpu": Row{"usage": usage, "user": usage * 0.7, "system": usage * 0.3}},
				"memory":            Row{"physical_memory_total": total, "physical_memory_available": avail, "arc_size": total / 4},
				"failed_to_connect": false,
			}})
		}
	}()
}
