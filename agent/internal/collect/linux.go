//go:build linux

package collect

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulsehost/pulse/core/agentwire"
)

func (c *Collector) collectOS(t *agentwire.Telemetry, full bool) {
	c.identity(t)
	c.environment(t, full)
	c.memory(t)
	c.cpu(t)
	c.filesystems(t)
	c.blockDevices(t)
	c.interfaces(t)
	c.temperatures(t)
	if up := c.read("/proc/uptime"); up != "" {
		if f := strings.Fields(up); len(f) > 0 {
			v, _ := strconv.ParseFloat(f[0], 64)
			t.Health.UptimeSeconds = int64(v)
		}
	}
}

func (c *Collector) identity(t *agentwire.Telemetry) {
	id := &t.Identity
	if c.live {
		id.Hostname, _ = os.Hostname()
	} else {
		id.Hostname = c.read("/proc/sys/kernel/hostname")
	}
	id.MachineID = c.read("/etc/machine-id")
	if id.MachineID == "" {
		id.MachineID = c.read("/var/lib/dbus/machine-id")
	}
	// product_uuid is readable by root only; an unprivileged agent falls
	// back to the machine-id (hw_uuid_source says which).
	if u := strings.ToLower(c.read("/sys/class/dmi/id/product_uuid")); u != "" {
		id.DMIUUID = u
		id.HWUUID, id.HWUUIDSource = u, "dmi"
	}
	id.Cluster = c.pveCluster(id.Hostname)
}

// pveCluster reads a Proxmox VE node's cluster membership from pmxcfs:
// /etc/pve/.members (JSON), else corosync.conf's cluster_name.
func (c *Collector) pveCluster(hostname string) *agentwire.ClusterMember {
	var m struct {
		NodeName string `json:"nodename"`
		Cluster  struct {
			Name string `json:"name"`
		} `json:"cluster"`
	}
	if b := c.read("/etc/pve/.members"); b != "" && json.Unmarshal([]byte(b), &m) == nil && m.Cluster.Name != "" && m.NodeName != "" {
		return &agentwire.ClusterMember{Kind: "proxmox-ve", Name: m.Cluster.Name, Node: m.NodeName}
	}
	for _, line := range strings.Split(c.read("/etc/pve/corosync.conf"), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.TrimSpace(k) == "cluster_name" && hostname != "" {
			return &agentwire.ClusterMember{Kind: "proxmox-ve", Name: strings.TrimSpace(v), Node: strings.Split(hostname, ".")[0]}
		}
	}
	return nil
}

func (c *Collector) environment(t *agentwire.Telemetry, full bool) {
	e := &t.Environment
	e.KernelVersion = c.read("/proc/sys/kernel/osrelease")
	for _, line := range strings.Split(c.read("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			e.OSName = strings.Trim(v, `"'`)
		}
	}
	e.Platform = c.platform(e.KernelVersion)
	if full {
		for _, p := range []string{"/var/lib/dpkg/status", "/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/var/lib/pacman/local", "/lib/apk/db/installed"} {
			if fi, err := os.Stat(c.path(p)); err == nil {
				e.LastUpdateTimestamp = fi.ModTime().UTC().Format(time.RFC3339)
				break
			}
		}
	}
}

// platform detects where the host runs from container markers, DMI and
// CPU flags: proxmox-lxc, lxc, docker, kubernetes, aws-ec2, gcp, azure,
// vmware, hyperv, xen, kvm or bare-metal.
func (c *Collector) platform(kernel string) string {
	container := c.read("/run/systemd/container")
	if container == "" {
		for _, kv := range strings.Split(c.read("/proc/1/environ"), "\x00") {
			if v, ok := strings.CutPrefix(kv, "container="); ok {
				container = v
			}
		}
	}
	cg := c.read("/proc/self/cgroup")
	switch {
	case container == "lxc" && strings.HasSuffix(kernel, "-pve"):
		return "proxmox-lxc"
	case container == "lxc" || container == "lxc-libvirt":
		return "lxc"
	case strings.Contains(cg, "kubepods"):
		return "kubernetes"
	case container == "docker" || container == "podman" || fileExists(c.path("/.dockerenv")) || strings.Contains(cg, "/docker/"):
		return "docker"
	}
	vendor := strings.ToLower(c.read("/sys/class/dmi/id/sys_vendor"))
	product := strings.ToLower(c.read("/sys/class/dmi/id/product_name"))
	bios := strings.ToLower(c.read("/sys/class/dmi/id/bios_vendor"))
	switch {
	case strings.Contains(vendor, "amazon") || strings.Contains(bios, "amazon") || strings.HasPrefix(c.read("/sys/hypervisor/uuid"), "ec2"):
		return "aws-ec2"
	case strings.Contains(vendor, "google"):
		return "gcp"
	case strings.Contains(vendor, "microsoft") && strings.Contains(product, "virtual"):
		if strings.Contains(c.read("/sys/class/dmi/id/chassis_asset_tag"), "7783-7084-3265-9085-8269-3286-77") {
			return "azure"
		}
		return "hyperv"
	case strings.Contains(vendor, "vmware"):
		return "vmware"
	case strings.Contains(vendor, "xen") || c.read("/sys/hypervisor/type") == "xen":
		return "xen"
	case strings.Contains(vendor, "qemu") || strings.Contains(product, "kvm") || strings.Contains(bios, "seabios") || strings.Contains(vendor, "red hat"):
		return "kvm"
	}
	if strings.Contains(c.read("/proc/cpuinfo"), " hypervisor") {
		return "virtual"
	}
	return "bare-metal"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func (c *Collector) memory(t *agentwire.Telemetry) {
	kv := map[string]uint64{}
	for _, line := range strings.Split(c.read("/proc/meminfo"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseUint(f[0], 10, 64)
		kv[k] = n * 1024
	}
	r := &t.Resources
	r.MemTotalBytes = kv["MemTotal"]
	avail, ok := kv["MemAvailable"]
	if !ok {
		avail = kv["MemFree"] + kv["Buffers"] + kv["Cached"]
	}
	if avail <= r.MemTotalBytes {
		r.MemUsedBytes = r.MemTotalBytes - avail
	}
	r.MemTotalMB, r.MemUsedMB = int64(r.MemTotalBytes>>20), int64(r.MemUsedBytes>>20)
	r.SwapTotalBytes = kv["SwapTotal"]
	if kv["SwapFree"] <= r.SwapTotalBytes {
		r.SwapUsedBytes = r.SwapTotalBytes - kv["SwapFree"]
	}
}

func (c *Collector) cpu(t *agentwire.Telemetry) {
	r := &t.Resources
	for _, line := range strings.Split(c.read("/proc/cpuinfo"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "processor":
			r.CPUCount++
		case "model name", "Model", "Hardware":
			if r.CPUModel == "" {
				r.CPUModel = strings.TrimSpace(v)
			}
		}
	}
	if f := strings.Fields(c.read("/proc/loadavg")); len(f) >= 3 {
		r.CPULoadAvg, _ = strconv.ParseFloat(f[0], 64)
		r.LoadAvg5, _ = strconv.ParseFloat(f[1], 64)
		r.LoadAvg15, _ = strconv.ParseFloat(f[2], 64)
	}
	stat := c.read("/proc/stat")
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return
	}
	var s cpuSample
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		s.total += n
		if i != 3 && i != 4 { // idle, iowait
			s.busy += n
		}
	}
	if p := c.prevCPU; p != nil && s.total > p.total && s.busy >= p.busy {
		ratio := float64(s.busy-p.busy) / float64(s.total-p.total)
		r.CPUUsageRatio = &ratio
	}
	c.prevCPU = &s
}

// localFS are the filesystem types reported (local, on real devices).
var localFS = map[string]bool{
	"ext2": true, "ext3": true, "ext4": true, "xfs": true, "btrfs": true, "zfs": true, "vfat": true,
	"f2fs": true, "jfs": true, "reiserfs": true, "bcachefs": true, "ntfs": true, "ntfs3": true, "exfat": true,
}

// statfsFixture answers statfs in fixture trees: ROOT/statfs.json maps a
// mountpoint to [total, used, available].
func (c *Collector) statfs(mp string) (total, used, avail uint64, ok bool) {
	if !c.live {
		var m map[string][3]uint64
		if json.Unmarshal([]byte(c.read("/statfs.json")), &m) != nil {
			return 0, 0, 0, false
		}
		v, ok := m[mp]
		return v[0], v[1], v[2], ok
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(mp, &st); err != nil {
		return 0, 0, 0, false
	}
	bs := uint64(st.Bsize)
	total = st.Blocks * bs
	free := st.Bfree * bs
	return total, total - free, st.Bavail * bs, true
}

func (c *Collector) filesystems(t *agentwire.Telemetry) {
	f, err := os.Open(c.path("/proc/self/mounts"))
	if err != nil {
		return
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 3 || !localFS[fl[2]] {
			continue
		}
		dev, mp := fl[0], unescape(fl[1])
		if seen[mp] || (seen["dev:"+dev] && fl[2] != "zfs") {
			continue // bind mounts of the same device
		}
		seen[mp], seen["dev:"+dev] = true, true
		total, used, avail, ok := c.statfs(mp)
		if !ok || total == 0 {
			continue
		}
		t.Filesystems = append(t.Filesystems, agentwire.Filesystem{Mountpoint: mp, Device: dev, FSType: fl[2], TotalBytes: total, UsedBytes: used, AvailableBytes: avail})
		if mp == "/" {
			t.Resources.RootTotalBytes, t.Resources.RootUsedBytes = total, used
			t.Resources.DiskUtilizationPct = int64(float64(used)*100/float64(total) + 0.5)
		}
	}
}

// unescape undoes /proc/mounts' octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// virtualBlock are block device name prefixes that are not disks.
var virtualBlock = []string{"loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd", "rbd", "zd"}

func (c *Collector) blockDevices(t *agentwire.Telemetry) {
	entries, err := os.ReadDir(c.path("/sys/block"))
	if err != nil {
		return
	}
	byID := c.diskIDs()
	for _, e := range entries {
		name := e.Name()
		if hasAnyPrefix(name, virtualBlock) {
			continue
		}
		base := "/sys/block/" + name
		d := agentwire.BlockDevice{Name: name, Model: c.read(base + "/device/model"), Serial: c.read(base + "/device/serial")}
		if d.Serial == "" {
			d.Serial = byID[name].serial
		}
		d.WWN = byID[name].wwn
		if d.WWN == "" {
			d.WWN = c.read(base + "/device/wwid")
		}
		sectors, _ := strconv.ParseUint(c.read(base+"/size"), 10, 64)
		d.SizeBytes = sectors * 512
		d.Rotational = c.read(base+"/queue/rotational") == "1"
		if st := strings.Fields(c.read(base + "/stat")); len(st) >= 7 {
			r, _ := strconv.ParseUint(st[2], 10, 64)
			w, _ := strconv.ParseUint(st[6], 10, 64)
			d.ReadBytesTotal, d.WrittenBytesTotal = r*512, w*512
		}
		if d.SizeBytes == 0 {
			continue
		}
		t.BlockDevices = append(t.BlockDevices, d)
	}
}

type diskID struct{ serial, wwn string }

// diskIDs reads /dev/disk/by-id, readable without privileges: ata-/nvme-
// links end in the serial, wwn- links carry the WWN.
func (c *Collector) diskIDs() map[string]diskID {
	out := map[string]diskID{}
	dir := c.path("/dev/disk/by-id")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range entries {
		n := e.Name()
		if strings.Contains(n, "-part") {
			continue
		}
		target, err := os.Readlink(filepath.Join(dir, n))
		if err != nil {
			continue
		}
		dev := filepath.Base(target)
		id := out[dev]
		switch {
		case strings.HasPrefix(n, "wwn-"):
			id.wwn = strings.TrimPrefix(n, "wwn-")
		case strings.HasPrefix(n, "ata-"), strings.HasPrefix(n, "nvme-") && !strings.HasPrefix(n, "nvme-eui.") && !strings.HasPrefix(n, "nvme-nvme."):
			if i := strings.LastIndex(n, "_"); i > 0 && id.serial == "" {
				id.serial = n[i+1:]
			}
		}
		out[dev] = id
	}
	return out
}

func hasAnyPrefix(s string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func (c *Collector) interfaces(t *agentwire.Telemetry) {
	entries, err := os.ReadDir(c.path("/sys/class/net"))
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		base := "/sys/class/net/" + name
		ifc := agentwire.Interface{Name: name, MAC: strings.ToLower(c.read(base + "/address"))}
		ifc.Physical = fileExists(c.path(base + "/device"))
		ifc.RxBytesTotal, _ = strconv.ParseUint(c.read(base+"/statistics/rx_bytes"), 10, 64)
		ifc.TxBytesTotal, _ = strconv.ParseUint(c.read(base+"/statistics/tx_bytes"), 10, 64)
		if ifc.MAC == "00:00:00:00:00:00" {
			ifc.MAC = ""
		}
		if c.live {
			if ni, err := net.InterfaceByName(name); err == nil {
				addrs, _ := ni.Addrs()
				for _, a := range addrs {
					ifc.Addresses = append(ifc.Addresses, a.String())
				}
			}
		} else if a := c.read(base + "/addresses"); a != "" { // fixture trees only
			ifc.Addresses = strings.Fields(a)
		}
		t.Interfaces = append(t.Interfaces, ifc)
	}
}

func (c *Collector) temperatures(t *agentwire.Telemetry) {
	hw, _ := filepath.Glob(c.path("/sys/class/hwmon/hwmon*"))
	sort.Strings(hw)
	for _, dir := range hw {
		chip := readAbs(filepath.Join(dir, "name"))
		inputs, _ := filepath.Glob(filepath.Join(dir, "temp*_input"))
		sort.Strings(inputs)
		for _, in := range inputs {
			v, err := strconv.ParseFloat(readAbs(in), 64)
			if err != nil {
				continue
			}
			label := readAbs(strings.TrimSuffix(in, "_input") + "_label")
			if label == "" {
				label = strings.TrimSuffix(filepath.Base(in), "_input")
			}
			t.Temperatures = append(t.Temperatures, agentwire.Temperature{Sensor: chip + "/" + label, Celsius: v / 1000})
		}
	}
	if len(t.Temperatures) > 0 {
		return
	}
	zones, _ := filepath.Glob(c.path("/sys/class/thermal/thermal_zone*"))
	sort.Strings(zones)
	for _, z := range zones {
		v, err := strconv.ParseFloat(readAbs(filepath.Join(z, "temp")), 64)
		if err != nil {
			continue
		}
		t.Temperatures = append(t.Temperatures, agentwire.Temperature{Sensor: readAbs(filepath.Join(z, "type")), Celsius: v / 1000})
	}
}

func readAbs(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
