package truenas

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// config is the decoded connection block.
type config struct {
	Endpoint               string       `json:"endpoint"`
	APIKey                 string       `json:"api_key"`
	AllowInsecureTransport bool         `json:"allow_insecure_transport"`
	DatasetDepth           *json.Number `json:"dataset_depth"`
	SnapshotInterval       string       `json:"snapshot_interval"`
	DiskTempWarning        *json.Number `json:"disk_temperature_warning"`
	NVMeTempWarning        *json.Number `json:"nvme_temperature_warning"`
}

// settings are the validated values with defaults applied.
type settings struct {
	endpoint, apiKey   string
	insecure           bool
	datasetDepth       int
	snapshotInterval   time.Duration
	diskTemp, nvmeTemp float64
}

func (c config) settings() (settings, error) {
	s := settings{endpoint: c.Endpoint, apiKey: c.APIKey, insecure: c.AllowInsecureTransport,
		datasetDepth: 2, snapshotInterval: 5 * time.Minute, diskTemp: 55, nvmeTemp: 70}
	if c.APIKey == "" {
		return s, fmt.Errorf("%w: api_key is empty; give the key through env() or file()", sdk.ErrInvalidConfig)
	}
	if c.DatasetDepth != nil {
		n, err := c.DatasetDepth.Int64()
		if err != nil || n < 0 || n > 32 {
			return s, fmt.Errorf("%w: dataset_depth %s must be a whole number from 0 to 32", sdk.ErrInvalidConfig, c.DatasetDepth)
		}
		s.datasetDepth = int(n)
	}
	if c.SnapshotInterval != "" {
		d, err := time.ParseDuration(c.SnapshotInterval)
		if err != nil || d < 0 {
			return s, fmt.Errorf("%w: snapshot_interval %q is not a duration such as \"5m\"", sdk.ErrInvalidConfig, c.SnapshotInterval)
		}
		s.snapshotInterval = d
	}
	for _, t := range []struct {
		name string
		v    *json.Number
		dst  *float64
	}{{"disk_temperature_warning", c.DiskTempWarning, &s.diskTemp}, {"nvme_temperature_warning", c.NVMeTempWarning, &s.nvmeTemp}} {
		if t.v == nil {
			continue
		}
		f, err := t.v.Float64()
		if err != nil || f < 20 || f > 120 {
			return s, fmt.Errorf("%w: %s %s must be degrees Celsius between 20 and 120", sdk.ErrInvalidConfig, t.name, t.v)
		}
		*t.dst = f
	}
	return s, nil
}
