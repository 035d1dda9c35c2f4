package fakeengine

import (
	"runtime"
	"time"
)

// Responses are built as plain JSON objects with the swagger's field names,
// so the schema test checks them independently of the client's types.

type obj = map[string]any

var started = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func (e *Engine) version() obj {
	v := obj{"Version": "28.3.3", "ApiVersion": e.o.APIVersion, "MinAPIVersion": "1.24", "GitCommit": "980b856",
		"GoVersion": "go1.24.5", "Os": "linux", "Arch": runtime.GOARCH, "KernelVersion": "6.8.0-lab", "BuildTime": "2025-07-25T11:34:09.000000000+00:00",
		"Platform":   obj{"Name": "Docker Engine - Community"},
		"Components": []any{obj{"Name": "Engine", "Version": "28.3.3", "Details": obj{"ApiVersion": e.o.APIVersion}}}}
	if e.o.Podman {
		v["Version"] = "5.4.2"
		v["Platform"] = obj{"Name": "linux/amd64/fedora-42"}
		v["Components"] = []any{obj{"Name": "Podman Engine", "Version": "5.4.2", "Details": obj{"APIVersion": "5.4.2"}}}
	}
	return v
}

func (e *Engine) info() obj {
	e.mu.Lock()
	defer e.mu.Unlock()
	running, stopped, paused := 0, 0, 0
	for _, c := range e.cs {
		switch c.State {
		case "running":
			running++
		case "paused":
			paused++
		default:
			stopped++
		}
	}
	swarm := obj{"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": nil}
	if e.o.Swarm {
		swarm = obj{"NodeID": "lab0node0000000000000000a", "NodeAddr": "192.0.2.10", "LocalNodeState": "active", "ControlAvailable": true,
			"Error": "", "Nodes": 1, "Managers": 1,
			"Cluster": obj{"ID": "lab0swarm00000000000000c", "Version": obj{"Index": 10}, "CreatedAt": started.Format(time.RFC3339Nano), "UpdatedAt": started.Format(time.RFC3339Nano)}}
	}
	return obj{"ID": "7TRN:IPZB:QYBB:VPBQ:UWYJ:KDUH:GLQF:3UKJ:BXLO:IDWY:AUXF:SKSU", "Containers": len(e.cs), "ContainersRunning": running,
		"ContainersPaused": paused, "ContainersStopped": stopped, "Images": 3, "Driver": "overlay2", "MemTotal": 16 << 30, "NCPU": 8,
		"Name": "lab-docker", "ServerVersion": e.version()["Version"], "OperatingSystem": "Debian GNU/Linux 13 (trixie)", "OSType": "linux",
		"Architecture": "x86_64", "KernelVersion": "6.8.0-lab", "Swarm": swarm}
}

func (e *Engine) list(all bool) []any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []any{}
	for _, c := range e.sortedContainers() {
		if !all && c.State != "running" {
			continue
		}
		s := obj{"Id": c.ID, "Names": []any{"/" + c.Name}, "Image": c.Image, "ImageID": "sha256:" + c.ID[:64], "Command": "/entrypoint.sh",
			"Created": started.Unix(), "Labels": labels(c), "State": c.State, "Status": status(c),
			"HostConfig": obj{"NetworkMode": "bridge"}, "Ports": []any{}, "Mounts": []any{}}
		if c.ImageDigest != "" {
			s["ImageManifestDescriptor"] = obj{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": c.ImageDigest, "size": 1234}
		}
		if c.PrivatePort != 0 {
			s["Ports"] = []any{obj{"IP": "0.0.0.0", "PrivatePort": c.PrivatePort, "PublicPort": c.PublicPort, "Type": "tcp"}}
		}
		out = append(out, s)
	}
	return out
}

func labels(c *Container) obj {
	l := obj{}
	for k, v := range c.Labels {
		l[k] = v
	}
	return l
}

func status(c *Container) string {
	switch c.State {
	case "running":
		up := "Up 2 hours"
		if !c.Started.IsZero() {
			up = "Up " + human(time.Since(c.Started))
		}
		if c.Health != "" {
			return up + " (" + c.Health + ")"
		}
		return up
	case "exited":
		return "Exited (" + itoa(c.ExitCode) + ") 5 minutes ago"
	default:
		return c.State
	}
}

func itoa(i int) string {
	b := []byte{}
	neg := i < 0
	if neg {
		i = -i
	}
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
		if i == 0 {
			break
		}
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

func inspect(c *Container) obj {
	st := obj{"Status": c.State, "Running": c.State == "running", "Paused": c.State == "paused", "Restarting": c.State == "restarting",
		"OOMKilled": c.OOMKilled, "Dead": c.State == "dead", "Pid": 0, "ExitCode": c.ExitCode, "Error": "",
		"StartedAt": started.Format(time.RFC3339Nano), "FinishedAt": "0001-01-01T00:00:00Z"}
	if c.State == "running" {
		st["Pid"] = 4242
	} else {
		st["FinishedAt"] = started.Add(time.Hour).Format(time.RFC3339Nano)
	}
	if c.Health != "" {
		st["Health"] = obj{"Status": c.Health, "FailingStreak": 0, "Log": []any{}}
	}
	return obj{"Id": c.ID, "Created": started.Format(time.RFC3339Nano), "Path": "/entrypoint.sh", "Args": []any{}, "State": st,
		"Image": "sha256:" + c.ID[:64], "Name": "/" + c.Name, "RestartCount": c.Restarts, "Driver": "overlay2", "Platform": "linux",
		"HostConfig": obj{"Memory": c.MemLimit, "NetworkMode": "bridge", "RestartPolicy": obj{"Name": "unless-stopped", "MaximumRetryCount": 0}},
		"Config":     obj{"Hostname": c.ID[:12], "Image": c.Image, "Labels": labels(c)}}
}

func (e *Engine) stats(c *Container) obj {
	limit := c.MemLimit
	if limit == 0 {
		limit = 16 << 30
	}
	used := c.MemUsed
	if c.State != "running" {
		used = 0
	}
	return obj{"id": c.ID, "name": "/" + c.Name, "read": time.Now().UTC().Format(time.RFC3339Nano),
		"cpu_stats": obj{"cpu_usage": obj{"total_usage": c.CPUTotal, "usage_in_kernelmode": c.CPUTotal / 4, "usage_in_usermode": c.CPUTotal - c.CPUTotal/4},
			"system_cpu_usage": e.sys, "online_cpus": 8, "throttling_data": obj{"periods": 0, "throttled_periods": 0, "throttled_time": 0}},
		"memory_stats": obj{"usage": used + 8<<20, "limit": limit, "stats": obj{"inactive_file": 8 << 20, "anon": used}},
		"networks":     obj{"eth0": obj{"rx_bytes": 123456, "rx_packets": 100, "rx_errors": 0, "rx_dropped": 0, "tx_bytes": 65432, "tx_packets": 80, "tx_errors": 0, "tx_dropped": 0}},
		"blkio_stats":  obj{"io_service_bytes_recursive": []any{obj{"major": 8, "minor": 0, "op": "read", "value": 4096}, obj{"major": 8, "minor": 0, "op": "write", "value": 8192}}},
		"pids_stats":   obj{"current": 3, "limit": 4096}}
}

func (e *Engine) services() []any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []any{}
	for _, s := range e.ss {
		mode := obj{"Replicated": obj{"Replicas": s.Desired}}
		if s.Global {
			mode = obj{"Global": obj{}}
		}
		sv := obj{"ID": s.ID, "Version": obj{"Index": 12}, "CreatedAt": started.Format(time.RFC3339Nano), "UpdatedAt": started.Format(time.RFC3339Nano),
			"Spec":          obj{"Name": s.Name, "Labels": obj{}, "TaskTemplate": obj{"ContainerSpec": obj{"Image": s.Image}}, "Mode": mode},
			"ServiceStatus": obj{"RunningTasks": s.Running, "DesiredTasks": s.Desired, "CompletedTasks": 0}}
		if s.UpdateState != "" {
			sv["UpdateStatus"] = obj{"State": s.UpdateState, "Message": "update " + s.UpdateState}
		}
		out = append(out, sv)
	}
	return out
}

// human is the engine's rough duration text.
func human(d time.Duration) string {
	switch {
	case d < time.Second:
		return "Less than a second"
	case d < time.Minute:
		return itoa(int(d/time.Second)) + " seconds"
	case d < time.Hour:
		return itoa(int(d/time.Minute)) + " minutes"
	default:
		return itoa(int(d/time.Hour)) + " hours"
	}
}
