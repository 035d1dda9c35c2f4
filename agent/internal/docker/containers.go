package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/pulsehost/pulse/core/agentwire"
)

// Compose and swarm labels.
const (
	labelComposeProject = "com.docker.compose.project"
	labelComposeService = "com.docker.compose.service"
	labelSwarmService   = "com.docker.swarm.service.id"
)

// containers lists every container in one call, inspects the ones whose
// state changed since the last cycle (restart count, exit code, OOM kill)
// and takes one stats snapshot of each running container, both with
// bounded concurrency.
func (m *Module) containers(ctx context.Context, d *agentwire.Docker) error {
	list, err := m.cli.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		return err
	}
	out := make([]agentwire.DockerContainer, len(list.Items))
	idx := make([]int, len(list.Items))
	live := make(map[string]bool, len(list.Items))
	for i, c := range list.Items {
		idx[i] = i
		live[c.ID] = true
		out[i] = summary(c)
	}
	var mu sync.Mutex
	parallel(m.o.Concurrency, idx, func(i int) {
		c := list.Items[i]
		dc := &out[i]
		// Inspect again only when the summary's state or status text moved.
		key := string(c.State) + "|" + c.Status
		mu.Lock()
		ic, ok := m.inspects[c.ID]
		mu.Unlock()
		if !ok || ic.key != key {
			if r, err := m.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{}); err == nil {
				ic = inspectCache{key: key, c: r.Container}
				mu.Lock()
				m.inspects[c.ID] = ic
				mu.Unlock()
			}
		}
		applyInspect(dc, ic.c)
		if c.State == container.StateRunning {
			st, err := m.stats(ctx, c.ID)
			if err == nil {
				mu.Lock()
				dc.Stats = m.usage(c.ID, st)
				dc.Stats.Limited = ic.c.HostConfig != nil && ic.c.HostConfig.Memory > 0
				mu.Unlock()
			}
		}
	})
	// Forget containers that are gone.
	for id := range m.inspects {
		if !live[id] {
			delete(m.inspects, id)
			delete(m.prev, id)
			delete(m.restarts, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	d.Containers = out
	return nil
}

// summary maps the list entry.
func summary(c container.Summary) agentwire.DockerContainer {
	dc := agentwire.DockerContainer{ID: c.ID, Image: c.Image, State: string(c.State), Labels: c.Labels}
	if len(c.Names) > 0 {
		dc.Name = strings.TrimPrefix(c.Names[0], "/")
	}
	if dc.Name == "" {
		dc.Name = shortID(c.ID)
	}
	if c.ImageManifestDescriptor != nil {
		dc.ImageDigest = c.ImageManifestDescriptor.Digest.String()
	}
	if c.Health != nil && c.Health.Status != container.NoHealthcheck {
		dc.Health = string(c.Health.Status)
	}
	for _, p := range c.Ports {
		s := fmt.Sprintf("%d/%s", p.PrivatePort, p.Type)
		if p.PublicPort != 0 {
			host := ""
			if p.IP.IsValid() {
				host = p.IP.String() + ":"
			}
			s = fmt.Sprintf("%s%d->%s", host, p.PublicPort, s)
		}
		dc.Ports = append(dc.Ports, s)
	}
	dc.ComposeProject = c.Labels[labelComposeProject]
	dc.ComposeService = c.Labels[labelComposeService]
	dc.ServiceID = c.Labels[labelSwarmService]
	return dc
}

// applyInspect adds what only inspect tells.
func applyInspect(dc *agentwire.DockerContainer, c container.InspectResponse) {
	if c.ID == "" {
		return
	}
	dc.Restarts = c.RestartCount
	if s := c.State; s != nil {
		dc.ExitCode, dc.OOMKilled = s.ExitCode, s.OOMKilled
		dc.StartedAt, dc.FinishedAt = s.StartedAt, s.FinishedAt
		if s.Health != nil && dc.Health == "" && s.Health.Status != container.NoHealthcheck {
			dc.Health = string(s.Health.Status)
		}
	}
	if dc.ImageDigest == "" && strings.HasPrefix(c.Image, "sha256:") {
		dc.ImageDigest = c.Image
	}
}

// stats takes one one-shot stats snapshot.
func (m *Module) stats(ctx context.Context, id string) (container.StatsResponse, error) {
	res, err := m.cli.ContainerStats(ctx, id, client.ContainerStatsOptions{})
	if err != nil {
		return container.StatsResponse{}, err
	}
	defer res.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&s); err != nil {
		return container.StatsResponse{}, fmt.Errorf("decode stats of %s: %w", shortID(id), err)
	}
	return s, nil
}

// usage turns a snapshot into usage; CPU use is the delta against the
// previous cycle's snapshot. Callers hold the lock guarding m.prev.
func (m *Module) usage(id string, s container.StatsResponse) *agentwire.DockerStats {
	u := &agentwire.DockerStats{CPUs: int(s.CPUStats.OnlineCPUs)}
	if u.CPUs == 0 {
		u.CPUs = len(s.CPUStats.CPUUsage.PercpuUsage)
	}
	cur := cpuSample{total: s.CPUStats.CPUUsage.TotalUsage, system: s.CPUStats.SystemUsage}
	if p, ok := m.prev[id]; ok && cur.system > p.system && cur.total >= p.total {
		// system_cpu_usage counts every CPU of the host, so the ratio is
		// already a share of all the CPUs.
		r := float64(cur.total-p.total) / float64(cur.system-p.system)
		r = min(max(r, 0), 1)
		u.CPUUsageRatio = &r
	}
	m.prev[id] = cur
	mem := s.MemoryStats
	used := mem.Usage
	// cgroup v2 reports inactive_file, v1 total_inactive_file: page cache.
	if v, ok := mem.Stats["inactive_file"]; ok && v < used {
		used -= v
	} else if v, ok := mem.Stats["total_inactive_file"]; ok && v < used {
		used -= v
	}
	u.MemUsedBytes, u.MemLimitBytes = used, mem.Limit
	for _, n := range s.Networks {
		u.NetRxBytes += n.RxBytes
		u.NetTxBytes += n.TxBytes
	}
	for _, e := range s.BlkioStats.IoServiceBytesRecursive {
		switch strings.ToLower(e.Op) {
		case "read":
			u.BlkRead += e.Value
		case "write":
			u.BlkWrite += e.Value
		}
	}
	return u
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
