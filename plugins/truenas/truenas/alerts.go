package truenas

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// poolAlerts derives alerts from a pool's health and its last scan.
func poolAlerts(pl poolRow, id string) []sdk.Alert {
	var out []sdk.Alert
	detail := ""
	if pl.StatusDetail != nil {
		detail = ": " + *pl.StatusDetail
	}
	switch pl.Status {
	case "DEGRADED":
		out = append(out, sdk.Alert{NativeID: "pool-degraded/" + pl.Name, Resource: id, Severity: resource.SeverityWarning,
			Kind: "pool-degraded", Message: fmt.Sprintf("pool %s is DEGRADED%s", pl.Name, detail)})
	case "FAULTED", "UNAVAIL", "REMOVED", "OFFLINE":
		out = append(out, sdk.Alert{NativeID: "pool-faulted/" + pl.Name, Resource: id, Severity: resource.SeverityCritical,
			Kind: "pool-faulted", Message: fmt.Sprintf("pool %s is %s%s", pl.Name, pl.Status, detail)})
	}
	if s := pl.Scan; s != nil && s.Errors > 0 && s.State == "FINISHED" {
		out = append(out, sdk.Alert{NativeID: "pool-scan-errors/" + pl.Name, Resource: id, Severity: resource.SeverityWarning,
			Kind: "pool-scan-errors", Message: fmt.Sprintf("the last %s of pool %s found %d errors", strings.ToLower(s.Function), pl.Name, s.Errors),
			Started: s.EndTime.Time})
	}
	return out
}

// poolAlertIDs are every alert id poolAlerts may emit for a pool.
func poolAlertIDs(name string) []string {
	return []string{"pool-degraded/" + name, "pool-faulted/" + name, "pool-scan-errors/" + name}
}

// diskAlerts derives alerts from a disk's vdev state, SMART and temperature.
func (p *projection) diskAlerts(d diskRow, id string, v *vdev, smartStatus, smartMsg string, temp *float64) []sdk.Alert {
	var out []sdk.Alert
	if v != nil {
		switch v.Status {
		case "FAULTED", "UNAVAIL", "REMOVED":
			out = append(out, sdk.Alert{NativeID: "disk-faulted/" + d.Identifier, Resource: id, Severity: resource.SeverityCritical,
				Kind: "disk-faulted", Message: fmt.Sprintf("disk %s (serial %s) in pool %s is %s (%d read, %d write, %d checksum errors)",
					d.Name, d.Serial, p.diskPool[d.Name], v.Status, v.Stats.ReadErrors, v.Stats.WriteErrors, v.Stats.ChecksumErrors)})
		}
	}
	if smartStatus == "FAILED" {
		out = append(out, sdk.Alert{NativeID: "disk-smart-failed/" + d.Identifier, Resource: id, Severity: resource.SeverityCritical,
			Kind: "disk-smart-failed", Message: fmt.Sprintf("the last SMART self-test of disk %s (serial %s) failed: %s", d.Name, d.Serial, smartMsg)})
	}
	if temp != nil {
		limit := p.c.set.diskTemp
		if strings.HasPrefix(d.Name, "nvme") || d.Bus == "NVME" {
			limit = p.c.set.nvmeTemp
		}
		if *temp >= limit {
			sev := resource.SeverityWarning
			if *temp >= limit+10 {
				sev = resource.SeverityCritical
			}
			out = append(out, sdk.Alert{NativeID: "disk-temperature/" + d.Identifier, Resource: id, Severity: sev,
				Kind: "disk-temperature-high", Message: fmt.Sprintf("disk %s is at %.0f °C (limit %.0f °C)", d.Name, *temp, limit)})
		}
	}
	return out
}

// appAlerts derives alerts from an app's state.
func appAlerts(a appRow, unexpected bool) []sdk.Alert {
	id := appID(a.Name)
	var out []sdk.Alert
	if a.State == "CRASHED" {
		out = append(out, sdk.Alert{NativeID: "app-crashed/" + a.Name, Resource: id, Severity: resource.SeverityCritical,
			Kind: "app-crashed", Message: fmt.Sprintf("app %s crashed", a.Name)})
	}
	if a.State == "STOPPED" && unexpected {
		out = append(out, sdk.Alert{NativeID: "app-stopped/" + a.Name, Resource: id, Severity: resource.SeverityWarning,
			Kind: "app-stopped-unexpectedly", Message: fmt.Sprintf("app %s stopped without a stop requested through Pulse", a.Name)})
	}
	return out
}

func appAlertIDs(name string) []string { return []string{"app-crashed/" + name, "app-stopped/" + name} }

func alertSeverity(level string) resource.Severity {
	switch level {
	case "INFO", "NOTICE":
		return resource.SeverityInfo
	case "WARNING":
		return resource.SeverityWarning
	}
	return resource.SeverityCritical // ERROR, CRITICAL, ALERT, EMERGENCY
}

// truenasAlert maps one of TrueNAS's own alerts; ok is false for a
// dismissed one, which is not active.
func (p *projection) truenasAlert(a alertRow) (sdk.Alert, bool) {
	if a.Dismissed {
		return sdk.Alert{}, false
	}
	msg := a.Text
	if a.Formatted != nil && *a.Formatted != "" {
		msg = *a.Formatted
	}
	return sdk.Alert{NativeID: truenasAlertID(a.UUID), Resource: p.alertResource(a), Severity: alertSeverity(a.Level),
		Kind: "truenas:" + a.Klass, Message: msg, Started: a.Datetime.Time}, true
}

// alertResource finds what an alert is about from its args: a pool
// ("volume", "pool") or a disk ("device"); otherwise the system.
func (p *projection) alertResource(a alertRow) string {
	var args map[string]any
	if json.Unmarshal(a.Args, &args) == nil {
		for _, k := range []string{"volume", "pool"} {
			if s, ok := args[k].(string); ok && p.hasPool(s) {
				return poolID(s)
			}
		}
		if s, ok := args["device"].(string); ok {
			if d, ok := p.byName[strings.TrimPrefix(s, "/dev/")]; ok {
				return diskID(d)
			}
		}
	}
	return p.host
}

func (p *projection) hasPool(name string) bool {
	for _, pl := range p.inv.pools {
		if pl.Name == name {
			return true
		}
	}
	return false
}

func (p *projection) truenasAlerts(e *emit) {
	for _, a := range p.inv.alerts {
		if al, ok := p.truenasAlert(a); ok {
			e.alert(al)
		}
	}
}
