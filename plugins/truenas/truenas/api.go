package truenas

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pulsehost/pulse/plugins/truenas/tnrpc"
)

// The result shapes below follow the middleware's API models; only the
// fields the adapter reads are decoded.

type systemInfo struct {
	Version            string     `json:"version"`
	Hostname           string     `json:"hostname"`
	Physmem            int64      `json:"physmem"`
	Model              string     `json:"model"`
	Cores              int        `json:"cores"`
	PhysicalCores      int        `json:"physical_cores"`
	Loadavg            []float64  `json:"loadavg"`
	UptimeSeconds      float64    `json:"uptime_seconds"`
	SystemSerial       string     `json:"system_serial"`
	SystemProduct      string     `json:"system_product"`
	SystemManufacturer string     `json:"system_manufacturer"`
	Boottime           tnrpc.Time `json:"boottime"`
	EccMemory          bool       `json:"ecc_memory"`
	Timezone           string     `json:"timezone"`
}

// zprop is a ZFS property object {value, rawvalue, parsed, source}.
type zprop struct {
	Value    string          `json:"value"`
	Rawvalue string          `json:"rawvalue"`
	Parsed   json.RawMessage `json:"parsed"`
	Source   string          `json:"source"`
}

// bytes reads a size property (rawvalue holds the exact number).
func (p *zprop) bytes() int64 {
	if p == nil {
		return 0
	}
	n, err := strconv.ParseInt(p.Rawvalue, 10, 64)
	if err != nil {
		var f float64
		if json.Unmarshal(p.Parsed, &f) == nil {
			return int64(f)
		}
	}
	return n
}

func (p *zprop) float() float64 {
	if p == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.TrimSuffix(p.Rawvalue, "x"), 64)
	return f
}

type scanInfo struct {
	Function   string     `json:"function"`
	State      string     `json:"state"`
	StartTime  tnrpc.Time `json:"start_time"`
	EndTime    tnrpc.Time `json:"end_time"`
	Percentage float64    `json:"percentage"`
	Errors     int        `json:"errors"`
}

type vdev struct {
	Name   string  `json:"name"`
	Type   string  `json:"type"`
	Status string  `json:"status"`
	Disk   *string `json:"disk"`
	Stats  struct {
		ReadErrors     int `json:"read_errors"`
		WriteErrors    int `json:"write_errors"`
		ChecksumErrors int `json:"checksum_errors"`
	} `json:"stats"`
	Children []vdev `json:"children"`
}

type poolRow struct {
	ID            int               `json:"id"`
	Name          string            `json:"name"`
	GUID          string            `json:"guid"`
	Path          string            `json:"path"`
	Status        string            `json:"status"`
	Healthy       bool              `json:"healthy"`
	StatusDetail  *string           `json:"status_detail"`
	Size          int64             `json:"size"`
	Allocated     int64             `json:"allocated"`
	Free          int64             `json:"free"`
	Fragmentation string            `json:"fragmentation"`
	Scan          *scanInfo         `json:"scan"`
	Topology      map[string][]vdev `json:"topology"`
}

type datasetRow struct {
	ID             string  `json:"id"`
	Type           string  `json:"type"`
	Pool           string  `json:"pool"`
	Encrypted      bool    `json:"encrypted"`
	EncryptionRoot *string `json:"encryption_root"`
	KeyLoaded      bool    `json:"key_loaded"`
	Mountpoint     *string `json:"mountpoint"`
	Used           *zprop  `json:"used"`
	Available      *zprop  `json:"available"`
	Quota          *zprop  `json:"quota"`
	Compressratio  *zprop  `json:"compressratio"`
	Compression    *zprop  `json:"compression"`
}

type diskRow struct {
	Identifier   string  `json:"identifier"`
	Name         string  `json:"name"`
	Serial       string  `json:"serial"`
	Lunid        *string `json:"lunid"`
	Size         int64   `json:"size"`
	Model        string  `json:"model"`
	Type         string  `json:"type"`
	Bus          string  `json:"bus"`
	Rotationrate *int    `json:"rotationrate"`
	Pool         *string `json:"pool"`
}

type smartRow struct {
	Disk  string `json:"disk"`
	Tests []struct {
		Num           int    `json:"num"`
		Description   string `json:"description"`
		Status        string `json:"status"`
		StatusVerbose string `json:"status_verbose"`
		Lifetime      int    `json:"lifetime"`
	} `json:"tests"`
}

type snapshotRow struct {
	ID           string `json:"id"`
	Dataset      string `json:"dataset"`
	SnapshotName string `json:"snapshot_name"`
	Pool         string `json:"pool"`
	Properties   struct {
		Creation   *zprop `json:"creation"`
		Used       *zprop `json:"used"`
		Referenced *zprop `json:"referenced"`
		Userrefs   *zprop `json:"userrefs"`
	} `json:"properties"`
	Holds map[string]json.RawMessage `json:"holds"`
}

type replicationRow struct {
	ID             int      `json:"id"`
	Name           string   `json:"name"`
	Direction      string   `json:"direction"`
	Transport      string   `json:"transport"`
	SourceDatasets []string `json:"source_datasets"`
	TargetDataset  string   `json:"target_dataset"`
	Enabled        bool     `json:"enabled"`
	State          struct {
		State        string     `json:"state"`
		Datetime     tnrpc.Time `json:"datetime"`
		Error        *string    `json:"error"`
		LastSnapshot *string    `json:"last_snapshot"`
	} `json:"state"`
}

type cloudSyncRow struct {
	ID          int    `json:"id"`
	Description string `json:"description"`
	Path        string `json:"path"`
	Direction   string `json:"direction"`
	Enabled     bool   `json:"enabled"`
	Job         *struct {
		ID           int64      `json:"id"`
		State        string     `json:"state"`
		Error        *string    `json:"error"`
		TimeStarted  tnrpc.Time `json:"time_started"`
		TimeFinished tnrpc.Time `json:"time_finished"`
	} `json:"job"`
}

type alertRow struct {
	UUID      string          `json:"uuid"`
	Klass     string          `json:"klass"`
	Level     string          `json:"level"`
	Formatted *string         `json:"formatted"`
	Text      string          `json:"text"`
	Args      json.RawMessage `json:"args"`
	Datetime  tnrpc.Time      `json:"datetime"`
	Dismissed bool            `json:"dismissed"`
}

type appPort struct {
	ContainerPort int    `json:"container_port"`
	Protocol      string `json:"protocol"`
	HostPorts     []struct {
		HostPort int    `json:"host_port"`
		HostIP   string `json:"host_ip"`
	} `json:"host_ports"`
}

type appRow struct {
	Name                  string `json:"name"`
	State                 string `json:"state"`
	Version               string `json:"version"`
	HumanVersion          string `json:"human_version"`
	LatestVersion         string `json:"latest_version"`
	UpgradeAvailable      bool   `json:"upgrade_available"`
	ImageUpdatesAvailable bool   `json:"image_updates_available"`
	CustomApp             bool   `json:"custom_app"`
	Metadata              struct {
		Train string `json:"train"`
	} `json:"metadata"`
	ActiveWorkloads struct {
		Containers       int       `json:"containers"`
		UsedPorts        []appPort `json:"used_ports"`
		ContainerDetails []struct {
			ID          string `json:"id"`
			ServiceName string `json:"service_name"`
			Image       string `json:"image"`
			State       string `json:"state"`
		} `json:"container_details"`
	} `json:"active_workloads"`
}
