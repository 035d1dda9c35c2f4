package pve

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"strings"
)

// The adapter decodes into its own structs, written from pve-apidoc.json
// (go-proxmox's types, used before the shared client, misread some fields:
// ClusterResource lacks lock, Disk.mounted is a string where the API sends a
// boolean, StorageContent reads "protection" where the API sends
// "protected", and Task and Cluster decode through map[string]interface{},
// which is slow for 5,000 guests). Booleans arrive as 0/1.

// pbool is a PVE boolean: 0/1, true/false or "0"/"1".
type pbool bool

// UnmarshalJSON accepts every form PVE uses for booleans.
func (b *pbool) UnmarshalJSON(raw []byte) error {
	s := string(bytes.Trim(raw, `"`))
	*b = pbool(s == "1" || s == "true" || s == "yes" || s == "on")
	return nil
}

// optInt is an integer that PVE may send as a string such as "N/A"
// (disk wear-out); absent and non-numeric values are unknown.
type optInt struct {
	v     int64
	known bool
}

// UnmarshalJSON accepts numbers and numeric strings.
func (o *optInt) UnmarshalJSON(raw []byte) error {
	s := string(bytes.Trim(raw, `"`))
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		o.v, o.known = int64(f), true
	}
	return nil
}

// statusEntry is one row of /cluster/status.
type statusEntry struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	IP      string `json:"ip"`
	Level   string `json:"level"`
	Local   pbool  `json:"local"`
	Online  pbool  `json:"online"`
	NodeID  int    `json:"nodeid"`
	Nodes   int    `json:"nodes"`
	Quorate pbool  `json:"quorate"`
}

// clusterRes is one row of /cluster/resources. Sizes are float64 so values
// beyond 2^63 or in exponent form still decode (exact to 2^53 bytes).
type clusterRes struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	Node       string  `json:"node"`
	Name       string  `json:"name"`
	Status     string  `json:"status"`
	VMID       int     `json:"vmid"`
	CPU        float64 `json:"cpu"`
	MaxCPU     float64 `json:"maxcpu"`
	Mem        float64 `json:"mem"`
	MaxMem     float64 `json:"maxmem"`
	Disk       float64 `json:"disk"`
	MaxDisk    float64 `json:"maxdisk"`
	NetIn      float64 `json:"netin"`
	NetOut     float64 `json:"netout"`
	DiskRead   float64 `json:"diskread"`
	DiskWrite  float64 `json:"diskwrite"`
	Uptime     float64 `json:"uptime"`
	Template   pbool   `json:"template"`
	Tags       string  `json:"tags"`
	Pool       string  `json:"pool"`
	HAState    string  `json:"hastate"`
	Lock       string  `json:"lock"`
	Storage    string  `json:"storage"`
	Content    string  `json:"content"`
	PluginType string  `json:"plugintype"`
	Level      string  `json:"level"`
}

// cephStatus is the part of /cluster/ceph/status the adapter reads.
type cephStatus struct {
	FSID   string `json:"fsid"`
	Health struct {
		Status string `json:"status"`
		Checks map[string]struct {
			Severity string `json:"severity"`
			Muted    bool   `json:"muted"`
			Summary  struct {
				Message string `json:"message"`
			} `json:"summary"`
		} `json:"checks"`
	} `json:"health"`
	OSDMap struct {
		NumOSDs   int `json:"num_osds"`
		NumUpOSDs int `json:"num_up_osds"`
		NumInOSDs int `json:"num_in_osds"`
		// Before Ceph Octopus the counts were nested one level deeper.
		OSDMap *struct {
			NumOSDs   int `json:"num_osds"`
			NumUpOSDs int `json:"num_up_osds"`
			NumInOSDs int `json:"num_in_osds"`
		} `json:"osdmap"`
	} `json:"osdmap"`
	PGMap struct {
		BytesTotal float64 `json:"bytes_total"`
		BytesUsed  float64 `json:"bytes_used"`
		BytesAvail float64 `json:"bytes_avail"`
		NumPools   int     `json:"num_pools"`
		NumPGs     int     `json:"num_pgs"`
	} `json:"pgmap"`
	QuorumNames []string `json:"quorum_names"`
}

// cephPool is one row of /nodes/{node}/ceph/pool.
type cephPool struct {
	Pool        int     `json:"pool"`
	Name        string  `json:"pool_name"`
	Size        int     `json:"size"`
	MinSize     int     `json:"min_size"`
	PGNum       int     `json:"pg_num"`
	BytesUsed   float64 `json:"bytes_used"`
	PercentUsed float64 `json:"percent_used"`
	Type        string  `json:"type"`
}

// nodeStatus is the part of /nodes/{node}/status the adapter reads.
type nodeStatus struct {
	PVEVersion string `json:"pveversion"`
	CPUInfo    struct {
		Model   string `json:"model"`
		CPUs    int    `json:"cpus"`
		Cores   int    `json:"cores"`
		Sockets int    `json:"sockets"`
	} `json:"cpuinfo"`
	Kernel struct {
		Release string `json:"release"`
	} `json:"current-kernel"`
	KVersion string `json:"kversion"`
	BootInfo struct {
		Mode string `json:"mode"`
	} `json:"boot-info"`
}

// version is "9.0.3" from "pve-manager/9.0.3/c8a2b1f4".
func (s nodeStatus) version() string {
	parts := strings.Split(s.PVEVersion, "/")
	if len(parts) >= 2 {
		return parts[1]
	}
	return s.PVEVersion
}

// disk is one row of /nodes/{node}/disks/list.
type disk struct {
	DevPath string  `json:"devpath"`
	Model   string  `json:"model"`
	Vendor  string  `json:"vendor"`
	Serial  string  `json:"serial"`
	WWN     string  `json:"wwn"`
	Size    float64 `json:"size"`
	Health  string  `json:"health"`
	Wearout optInt  `json:"wearout"`
	Type    string  `json:"type"`
	Used    string  `json:"used"`
	OSDID   int     `json:"osdid"`
	Parent  string  `json:"parent"`
	RPM     optInt  `json:"rpm"`
}

// nodeStorage is one row of /nodes/{node}/storage.
type nodeStorage struct {
	Storage string  `json:"storage"`
	Type    string  `json:"type"`
	Content string  `json:"content"`
	Shared  pbool   `json:"shared"`
	Enabled pbool   `json:"enabled"`
	Active  pbool   `json:"active"`
	Total   float64 `json:"total"`
	Used    float64 `json:"used"`
}

// content is one row of /nodes/{node}/storage/{storage}/content.
type content struct {
	Volid        string  `json:"volid"`
	Format       string  `json:"format"`
	Size         float64 `json:"size"`
	CTime        int64   `json:"ctime"`
	VMID         int     `json:"vmid"`
	Notes        string  `json:"notes"`
	Protected    pbool   `json:"protected"`
	Encrypted    string  `json:"encrypted"`
	Verification *struct {
		State string `json:"state"`
	} `json:"verification"`
}

// snapshot is one row of /nodes/{node}/{qemu,lxc}/{vmid}/snapshot.
type snapshot struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Parent      string `json:"parent"`
	SnapTime    int64  `json:"snaptime"`
	VMState     pbool  `json:"vmstate"`
}

// task is one row of /cluster/tasks.
type task struct {
	UPID      string `json:"upid"`
	Node      string `json:"node"`
	Type      string `json:"type"`
	ID        string `json:"id"`
	User      string `json:"user"`
	Status    string `json:"status"`
	StartTime int64  `json:"starttime"`
	EndTime   int64  `json:"endtime"`
}

func nodePath(node string, rest ...string) string {
	return "/nodes/" + url.PathEscape(node) + "/" + strings.Join(rest, "/")
}

func (c *client) clusterStatus(ctx context.Context) ([]statusEntry, error) {
	var out []statusEntry
	return out, c.get(ctx, "/cluster/status", &out)
}

func (c *client) clusterResources(ctx context.Context) ([]clusterRes, error) {
	var out []clusterRes
	return out, c.get(ctx, "/cluster/resources", &out)
}

func (c *client) cephStatus(ctx context.Context) (*cephStatus, error) {
	var out cephStatus
	return &out, c.get(ctx, "/cluster/ceph/status", &out)
}
