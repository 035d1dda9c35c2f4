package agentgw

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
	"github.com/pulsehost/pulse/core/resource"
)

// Native ids of an agent's records.
const (
	hostID     = "host"
	fsPrefix   = "fs:"
	diskPrefix = "disk:"
)

// project turns an accepted report into the agent's complete snapshot. A
// metrics report takes the inventory it leaves out (installed tools, last
// update) from the agent's last full report. For a full report it also
// returns the telemetry to keep.
func (g *Gateway) project(ctx context.Context, fp string, rep *agentwire.Report, at time.Time) (resource.Snapshot, []byte, error) {
	t := rep.Telemetry
	var full []byte
	if rep.Kind == agentwire.KindFull {
		b, err := json.Marshal(t)
		if err != nil {
			return resource.Snapshot{}, nil, fmt.Errorf("keep full report: %w", err)
		}
		full = b
	} else {
		prev, err := g.inventory(ctx, fp)
		if err != nil {
			return resource.Snapshot{}, nil, err
		}
		if prev != nil {
			if len(t.Capabilities.InstalledTools) == 0 {
				t.Capabilities = prev.Capabilities
			}
			if t.Environment.LastUpdateTimestamp == "" {
				t.Environment.LastUpdateTimestamp = prev.Environment.LastUpdateTimestamp
			}
		}
	}
	return Project(fp, t, at), full, nil
}

// Project maps telemetry to canonical records of platform agent: the host
// as an `agent`, filesystems as `storage`, block devices as
// `physical-disk`, with metrics of the canonical vocabulary and identity keys
// (machine-id, DMI UUID, hostname+MAC, ssh-fingerprint, and the cluster node
// when the host is a cluster member) for merging with API-backed records.
func Project(fp string, t agentwire.Telemetry, at time.Time) resource.Snapshot {
	var snap resource.Snapshot
	host := t.Identity.Hostname
	if host == "" {
		host = fp
	}
	metric := func(id, name string, v float64) {
		d, ok := resource.LookupMetric(name)
		if !ok {
			return
		}
		snap.Metrics = append(snap.Metrics, resource.Metric{Resource: id, Name: name, Value: v, Unit: string(d.Unit), Time: at})
	}

	attrs := map[string]any{
		"agent_fingerprint": fp,
		"environment":       t.Environment.Platform,
		"os_family":         t.Environment.OSFamily,
		"kernel_version":    t.Environment.KernelVersion,
		"cpu_model":         t.Resources.CPUModel,
		"installed_tools":   nonNil(t.Capabilities.InstalledTools),
	}
	put := func(k, v string) {
		if v != "" {
			attrs[k] = v
		}
	}
	put("os_name", t.Environment.OSName)
	put("arch", t.Environment.Arch)
	put("last_update_timestamp", t.Environment.LastUpdateTimestamp)
	put("thermal_status", t.Health.ThermalStatus)
	if t.Agent != nil {
		put("agent_version", t.Agent.Version)
	}
	var macs []string
	for _, ifc := range t.Interfaces {
		if ifc.Physical && usableMAC(ifc.MAC) {
			macs = append(macs, strings.ToLower(ifc.MAC))
		}
	}
	ab, _ := json.Marshal(attrs)
	status := resource.StatusOnline
	if t.Health.ThermalStatus == "critical" {
		status = resource.StatusDegraded
	}
	snap.Resources = append(snap.Resources, resource.Observation{
		Type: resource.TypeAgent, NativeID: hostID, Name: host, Status: status,
		Identity: hostKeys(fp, t, macs), Attributes: ab,
	})

	r := t.Resources
	if r.CPUUsageRatio != nil {
		metric(hostID, "cpu_usage_ratio", clamp01(*r.CPUUsageRatio))
	}
	if r.CPUCount > 0 {
		metric(hostID, "cpu_cores", float64(r.CPUCount))
	}
	metric(hostID, "load1", r.CPULoadAvg)
	metric(hostID, "load5", r.LoadAvg5)
	metric(hostID, "load15", r.LoadAvg15)
	memTotal, memUsed := float64(r.MemTotalBytes), float64(r.MemUsedBytes)
	if memTotal == 0 {
		memTotal, memUsed = float64(r.MemTotalMB)*(1<<20), float64(r.MemUsedMB)*(1<<20)
	}
	if memTotal > 0 {
		metric(hostID, "memory_total_bytes", memTotal)
		metric(hostID, "memory_used_bytes", memUsed)
		metric(hostID, "memory_usage_ratio", clamp01(memUsed/memTotal))
	}
	if r.SwapTotalBytes > 0 {
		metric(hostID, "swap_total_bytes", float64(r.SwapTotalBytes))
		metric(hostID, "swap_used_bytes", float64(r.SwapUsedBytes))
	}
	if r.RootTotalBytes > 0 {
		metric(hostID, "disk_total_bytes", float64(r.RootTotalBytes))
		metric(hostID, "disk_used_bytes", float64(r.RootUsedBytes))
		metric(hostID, "disk_usage_ratio", clamp01(float64(r.RootUsedBytes)/float64(r.RootTotalBytes)))
	} else {
		metric(hostID, "disk_usage_ratio", clamp01(float64(r.DiskUtilizationPct)/100))
	}
	metric(hostID, "uptime_seconds", float64(t.Health.UptimeSeconds))
	var rx, tx float64
	for _, ifc := range t.Interfaces {
		if ifc.Name == "lo" {
			continue
		}
		rx += float64(ifc.RxBytesTotal)
		tx += float64(ifc.TxBytesTotal)
	}
	if len(t.Interfaces) > 0 {
		metric(hostID, "network_receive_bytes_total", rx)
		metric(hostID, "network_transmit_bytes_total", tx)
	}
	if len(t.Temperatures) > 0 {
		hot := t.Temperatures[0].Celsius
		for _, s := range t.Temperatures[1:] {
			hot = max(hot, s.Celsius)
		}
		metric(hostID, "temperature_celsius", hot)
	}

	seen := map[string]bool{}
	for _, fs := range t.Filesystems {
		if fs.Mountpoint == "" || seen[fs.Mountpoint] {
			continue
		}
		seen[fs.Mountpoint] = true
		id := fsPrefix + fs.Mountpoint
		fa, _ := json.Marshal(map[string]any{"mountpoint": fs.Mountpoint, "device": fs.Device, "fstype": fs.FSType})
		snap.Resources = append(snap.Resources, resource.Observation{
			Type: resource.TypeStorage, NativeID: id, Name: host + ":" + fs.Mountpoint, Status: resource.StatusOnline,
			Topology: map[string]string{"host": host}, Attributes: fa,
		})
		snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: hostID})
		metric(id, "storage_total_bytes", float64(fs.TotalBytes))
		metric(id, "storage_used_bytes", float64(fs.UsedBytes))
		metric(id, "storage_available_bytes", float64(fs.AvailableBytes))
		if fs.TotalBytes > 0 {
			metric(id, "storage_usage_ratio", clamp01(float64(fs.UsedBytes)/float64(fs.TotalBytes)))
		}
	}
	var rd, wr float64
	for _, d := range t.BlockDevices {
		if d.Name == "" || seen[diskPrefix+d.Name] {
			continue
		}
		id := diskPrefix + d.Name
		seen[id] = true
		var keys []resource.IdentityKey
		for _, k := range []resource.IdentityKey{{Kind: resource.KeyDiskSerial, Value: d.Serial}, {Kind: resource.KeyDiskWWN, Value: d.WWN}} {
			if k.Usable() {
				keys = append(keys, k)
			}
		}
		da, _ := json.Marshal(map[string]any{"device": "/dev/" + d.Name, "model": d.Model, "serial": d.Serial, "wwn": d.WWN,
			"size_bytes": d.SizeBytes, "rotational": d.Rotational})
		snap.Resources = append(snap.Resources, resource.Observation{
			Type: resource.TypePhysicalDisk, NativeID: id, Name: host + ":" + d.Name, Status: resource.StatusOnline,
			Identity: keys, Topology: map[string]string{"host": host}, Attributes: da,
		})
		snap.Links = append(snap.Links, resource.Link{From: id, Kind: resource.RelMemberOf, To: hostID})
		metric(id, "disk_read_bytes_total", float64(d.ReadBytesTotal))
		metric(id, "disk_write_bytes_total", float64(d.WrittenBytesTotal))
		if d.TemperatureCelsius != nil {
			metric(id, "temperature_celsius", *d.TemperatureCelsius)
		}
		rd += float64(d.ReadBytesTotal)
		wr += float64(d.WrittenBytesTotal)
	}
	if len(t.BlockDevices) > 0 {
		metric(hostID, "disk_read_bytes_total", rd)
		metric(hostID, "disk_write_bytes_total", wr)
	}
	return snap
}

// hostKeys are the host's identity keys; placeholders are dropped.
func hostKeys(fp string, t agentwire.Telemetry, macs []string) []resource.IdentityKey {
	id := t.Identity
	keys := []resource.IdentityKey{{Kind: resource.KeySSHFingerprint, Value: fp}}
	add := func(k resource.KeyKind, v string) {
		key := resource.IdentityKey{Kind: k, Value: strings.TrimSpace(v)}
		if key.Usable() {
			keys = append(keys, key)
		}
	}
	if c := id.Cluster; c != nil && c.Name != "" && c.Node != "" {
		add(resource.KeyClusterNode, c.Name+"/"+c.Node)
	}
	add(resource.KeyMachineID, id.MachineID)
	dmi := id.DMIUUID
	if dmi == "" && id.HWUUIDSource == "dmi" {
		dmi = id.HWUUID
	}
	add(resource.KeyDMIUUID, dmi)
	if id.Hostname != "" {
		for _, m := range macs {
			add(resource.KeyHostnameMAC, id.Hostname+"/"+m)
		}
		add(resource.KeyHostname, id.Hostname)
	}
	return keys
}

// usableMAC rejects empty, all-zero, broadcast and locally administered
// (virtual) addresses, which are not identities.
func usableMAC(s string) bool {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return false
	}
	if hw[0]&0x02 != 0 || hw[0]&0x01 != 0 {
		return false
	}
	for _, b := range hw {
		if b != 0 {
			return true
		}
	}
	return false
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// inventory is what metrics reports take from the agent's last full report,
// cached in memory (one entry per agent) and read from the database after
// a restart.
type inventory struct {
	Capabilities agentwire.Capabilities
	Environment  agentwire.Environment
}

func (g *Gateway) inventory(ctx context.Context, fp string) (*inventory, error) {
	if v, ok := g.inv.Load(fp); ok {
		return v.(*inventory), nil
	}
	var last []byte
	err := g.db.QueryRowContext(ctx, `SELECT last_full FROM agents WHERE fingerprint = ?`, fp).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read last full report: %w", err)
	}
	var prev agentwire.Telemetry
	if len(last) == 0 || json.Unmarshal(last, &prev) != nil {
		return nil, nil
	}
	inv := &inventory{Capabilities: prev.Capabilities, Environment: prev.Environment}
	g.inv.Store(fp, inv)
	return inv, nil
}
