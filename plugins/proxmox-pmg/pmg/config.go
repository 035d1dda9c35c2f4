package pmg

import (
	"fmt"
	"strings"
	"time"

	pxclient "github.com/pulsehost/pulse/plugins/internal/proxmox/client"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// config is the decoded connection block.
type config struct {
	Endpoint         string   `json:"endpoint"`
	Endpoints        []string `json:"endpoints"`
	Username         string   `json:"username"`
	Password         string   `json:"password"`
	QueueWarning     *float64 `json:"queue_warning"`
	QueueCritical    *float64 `json:"queue_critical"`
	DeferredWarning  *float64 `json:"deferred_warning"`
	DeferredCritical *float64 `json:"deferred_critical"`
	HoldWarning      *float64 `json:"hold_warning"`
	HoldCritical     *float64 `json:"hold_critical"`
	OldestWarning    string   `json:"oldest_warning"`
	OldestCritical   string   `json:"oldest_critical"`
	QuarantineGrowth *float64 `json:"quarantine_growth"`
	StatsWindow      string   `json:"stats_window"`

	urls []string
	th   thresholds
}

// thresholds are the alert limits, defaults overridden by the block.
type thresholds struct {
	queue, deferred, hold [2]int64 // warning, critical
	oldest                [2]time.Duration
	growth                int64
	window                time.Duration
}

func (c *config) validate() error {
	urls, err := pxclient.Endpoints(c.Endpoint, c.Endpoints, "8006")
	if err != nil {
		return err
	}
	c.urls = urls
	if c.Username == "" || c.Password == "" {
		return fmt.Errorf("%w: username and password are required (PMG has no API tokens)", sdk.ErrInvalidConfig)
	}
	if !strings.Contains(c.Username, "@") {
		return fmt.Errorf("%w: username %q needs a realm, e.g. %s@pmg", sdk.ErrInvalidConfig, c.Username, c.Username)
	}
	pair := func(name string, w, cr *float64, dw, dc int64) ([2]int64, error) {
		out := [2]int64{dw, dc}
		if w != nil {
			out[0] = int64(*w)
		}
		if cr != nil {
			out[1] = int64(*cr)
		}
		if out[0] <= 0 || out[0] >= out[1] {
			return out, fmt.Errorf("%w: %s_warning (%d) and %s_critical (%d) must satisfy 0 < warning < critical", sdk.ErrInvalidConfig, name, out[0], name, out[1])
		}
		return out, nil
	}
	if c.th.queue, err = pair("queue", c.QueueWarning, c.QueueCritical, 500, 1000); err != nil {
		return err
	}
	if c.th.deferred, err = pair("deferred", c.DeferredWarning, c.DeferredCritical, 200, 500); err != nil {
		return err
	}
	if c.th.hold, err = pair("hold", c.HoldWarning, c.HoldCritical, 100, 300); err != nil {
		return err
	}
	dur := func(name, v string, def time.Duration) (time.Duration, error) {
		if v == "" {
			return def, nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%w: %s %q is not a positive duration like \"30m\"", sdk.ErrInvalidConfig, name, v)
		}
		return d, nil
	}
	if c.th.oldest[0], err = dur("oldest_warning", c.OldestWarning, 30*time.Minute); err != nil {
		return err
	}
	if c.th.oldest[1], err = dur("oldest_critical", c.OldestCritical, time.Hour); err != nil {
		return err
	}
	if c.th.oldest[0] >= c.th.oldest[1] {
		return fmt.Errorf("%w: oldest_warning (%s) must be shorter than oldest_critical (%s)", sdk.ErrInvalidConfig, c.th.oldest[0], c.th.oldest[1])
	}
	if c.th.window, err = dur("stats_window", c.StatsWindow, time.Hour); err != nil {
		return err
	}
	c.th.growth = 500
	if c.QuarantineGrowth != nil {
		c.th.growth = int64(*c.QuarantineGrowth)
		if c.th.growth <= 0 {
			return fmt.Errorf("%w: quarantine_growth must be a positive number of messages per hour", sdk.ErrInvalidConfig)
		}
	}
	return nil
}
