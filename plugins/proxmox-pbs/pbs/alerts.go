package pbs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// overdueGrace is how late a scheduled job may be before it is overdue.
const overdueGrace = time.Hour

// storeAlerts: usage over the thresholds (with PBS's estimated full date),
// and datastores whose contents cannot be read.
func storeAlerts(e *emitter, c *conn, v *view) {
	for _, d := range v.slow.stores {
		id := storeID(d.Store)
		if why := v.unreadable[d.Store]; why != "" {
			e.alert(sdk.Alert{NativeID: "datastore-unavailable/" + d.Store, Resource: id, Severity: resource.SeverityWarning,
				Kind: "datastore-unavailable", Message: fmt.Sprintf("datastore %s cannot be read: %s; its last known backups are kept", d.Store, why)})
		}
		u, ok := v.usage[d.Store]
		if !ok || u.Total == nil || u.Used == nil || *u.Total <= 0 {
			continue
		}
		r := float64(*u.Used) / float64(*u.Total)
		sev := resource.Severity("")
		limit := 0.0
		switch {
		case r >= c.cfg.crit:
			sev, limit = resource.SeverityCritical, c.cfg.crit
		case r >= c.cfg.warn:
			sev, limit = resource.SeverityWarning, c.cfg.warn
		}
		if sev == "" {
			continue
		}
		msg := fmt.Sprintf("datastore %s is %.0f%% full (%s of %s used, threshold %.0f%%)", d.Store, r*100,
			bytesText(*u.Used), bytesText(*u.Total), limit*100)
		if u.EstimatedFull > 0 {
			msg += "; PBS estimates it full on " + time.Unix(u.EstimatedFull, 0).UTC().Format("2006-01-02")
		}
		e.alert(sdk.Alert{NativeID: "datastore-usage/" + d.Store, Resource: id, Severity: sev, Kind: "datastore-usage", Message: msg})
	}
}

// jobAlerts: verify, sync, prune and GC runs that failed, and scheduled
// jobs whose next run is more than an hour in the past.
func jobAlerts(e *emitter, v *view) {
	check := func(kind, id, store, state string, lastEnd, next int64, disabled bool) {
		res := storeID(store)
		if state != "" && !strings.EqualFold(state, "ok") {
			e.alert(sdk.Alert{NativeID: "job-failed/" + kind + "/" + id, Resource: res, Severity: resource.SeverityWarning, Kind: kind + "-job-failed",
				Message: fmt.Sprintf("%s job %s on datastore %s failed at %s: %s", kind, id, store, unix(lastEnd), state),
				Started: time.Unix(lastEnd, 0).UTC()})
		}
		if !disabled && next > 0 && v.now.Sub(time.Unix(next, 0)) > overdueGrace {
			e.alert(sdk.Alert{NativeID: "job-overdue/" + kind + "/" + id, Resource: res, Severity: resource.SeverityWarning, Kind: kind + "-job-overdue",
				Message: fmt.Sprintf("%s job %s on datastore %s is overdue: it was due at %s and has not run since %s", kind, id, store,
					unix(next), orNever(unix(lastEnd))),
				Started: time.Unix(next, 0).UTC()})
		}
	}
	for _, j := range v.verify {
		check("verify", j.ID, j.Store, j.LastState, j.LastEnd, j.NextRun, j.Disable)
	}
	for _, j := range v.sync {
		check("sync", j.ID, j.Store, j.LastState, j.LastEnd, j.NextRun, j.Disable)
	}
	for _, j := range v.prune {
		check("prune", j.ID, j.Store, j.LastState, j.LastEnd, j.NextRun, j.Disable)
	}
	for _, d := range v.slow.stores {
		if g, ok := v.gc[d.Store]; ok {
			check("gc", d.Store, d.Store, g.LastRunState, g.LastRunEnd, g.NextRun, false)
		}
	}
}

func orNever(s string) string {
	if s == "" {
		return "(never)"
	}
	return s
}

// taskAlerts: tasks of the last day that ended in an error (warnings are
// not errors).
func taskAlerts(e *emitter, v *view) {
	for _, t := range v.tasks {
		if t.Status == "" || t.Status == "OK" || strings.HasPrefix(t.Status, "WARNINGS") {
			continue
		}
		res := ""
		if store, _, ok := strings.Cut(t.WorkerID, ":"); ok || t.WorkerID != "" {
			if _, known := v.usage[store]; known {
				res = storeID(store)
			}
		}
		what := t.WorkerType
		if t.WorkerID != "" {
			what += " " + t.WorkerID
		}
		e.alert(sdk.Alert{NativeID: "task-failed/" + t.UPID, Resource: res, Severity: resource.SeverityWarning, Kind: "task-failed",
			Message: fmt.Sprintf("task %s by %s failed at %s: %s", what, t.User, unix(t.EndTime), t.Status),
			Started: time.Unix(t.EndTime, 0).UTC()})
	}
}

// verifyAlerts: every snapshot whose last verification failed.
func verifyAlerts(e *emitter, v *view, keys []groupKey) {
	for _, k := range keys {
		for _, s := range v.groups[k].snaps {
			if s.Verification == nil || s.Verification.State != "failed" {
				continue
			}
			id := snapshotID(k, s.Time)
			e.alert(sdk.Alert{NativeID: "backup-verify-failed/" + id, Resource: storeID(k.store), Severity: resource.SeverityCritical,
				Kind: "backup-verification-failed",
				Message: fmt.Sprintf("backup %s/%s of %s in datastore %s%s failed verification: it may not restore", k.typ, k.id,
					unix(s.Time), k.store, nsText(k.ns))})
		}
	}
}

func nsText(ns string) string {
	if ns == "" {
		return ""
	}
	return " namespace " + ns
}

// upidTime reads the start time from a UPID
// (UPID:node:pid:pstart:task:starttime:type:id:user:), or 0.
func upidTime(upid string) int64 {
	parts := strings.Split(upid, ":")
	if len(parts) < 9 || parts[0] != "UPID" {
		return 0
	}
	t, err := strconv.ParseInt(parts[5], 16, 64)
	if err != nil {
		return 0
	}
	return t
}

func bytesText(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
