package pmg

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// gatewayID is the native id of the pmg resource: one gateway per
// connection, a cluster or a single node.
const gatewayID = "gateway"

type nodeAttrs struct {
	Name        string           `json:"name"`
	IP          string           `json:"ip,omitempty"`
	Role        string           `json:"role"`
	Online      bool             `json:"online"`
	Unreachable string           `json:"unreachable,omitempty"`
	InSync      *bool            `json:"in_sync,omitempty"`
	Uptime      int64            `json:"uptime_seconds,omitempty"`
	CPU         float64          `json:"cpu_usage_ratio,omitempty"`
	MemoryUsed  int64            `json:"memory_used_bytes,omitempty"`
	MemoryTotal int64            `json:"memory_total_bytes,omitempty"`
	Queues      map[string]int64 `json:"queues,omitempty"`
	QueueTotal  int64            `json:"queue_total"`
	OldestAge   int64            `json:"oldest_queued_age_seconds,omitempty"`
}

type statsAttrs struct {
	WindowSeconds   int64   `json:"window_seconds"`
	Received        float64 `json:"received"`
	Sent            float64 `json:"sent"`
	PassedIn        float64 `json:"passed_in"`
	SpamIn          float64 `json:"spam_in"`
	SpamOut         float64 `json:"spam_out"`
	VirusIn         float64 `json:"virus_in"`
	VirusOut        float64 `json:"virus_out"`
	BouncesIn       float64 `json:"bounces_in"`
	BouncesOut      float64 `json:"bounces_out"`
	Rejects         int64   `json:"rejects"`
	RBLRejects      int64   `json:"rbl_rejects"`
	PregreetRejects int64   `json:"pregreet_rejects"`
	Greylisted      float64 `json:"greylisted"`
	BytesIn         float64 `json:"bytes_in"`
	BytesOut        float64 `json:"bytes_out"`
	AvgProcessing   float64 `json:"avg_processing_seconds"`
}

type quarantineAttrs struct {
	SpamCount       int64  `json:"spam_count"`
	SpamBytes       int64  `json:"spam_bytes"`
	VirusCount      int64  `json:"virus_count"`
	VirusBytes      int64  `json:"virus_bytes"`
	AttachmentCount int64  `json:"attachment_count"`
	AttachmentBytes int64  `json:"attachment_bytes"`
	GrowthLastHour  *int64 `json:"growth_last_hour,omitempty"`
}

type gatewayAttrs struct {
	PlatformType string          `json:"platformType"`
	Version      string          `json:"version"`
	Release      string          `json:"release,omitempty"`
	Clustered    bool            `json:"clustered"`
	Master       string          `json:"master"`
	NodesOnline  int             `json:"nodes_online"`
	Nodes        []nodeAttrs     `json:"nodes"`
	QueueTotal   int64           `json:"queue_total"`
	Deferred     int64           `json:"queue_deferred"`
	Hold         int64           `json:"queue_hold"`
	OldestAge    int64           `json:"oldest_queued_age_seconds"`
	Mail         statsAttrs      `json:"mail_statistics"`
	Quarantine   quarantineAttrs `json:"quarantine"`
}

// emit projects the cycle's view: one pmg resource, its metrics, alerts.
func emit(c *conn, v *view, out sdk.Emitter) error {
	s := v.slow
	master := v.nodes[0]
	a := gatewayAttrs{PlatformType: "proxmox-pmg", Version: s.version.Version, Release: s.version.Release,
		Clustered: v.clustered, Master: master.Name}
	status := resource.StatusOnline
	for _, n := range v.nodes {
		na := nodeAttrs{Name: n.Name, IP: n.IP, Role: n.Type, Online: n.online, Unreachable: n.down}
		if n.online {
			a.NodesOnline++
			na.InSync, na.Uptime, na.CPU = n.status.InSync, n.status.Uptime, n.status.CPU
			na.MemoryUsed, na.MemoryTotal = n.status.Memory.Used, n.status.Memory.Total
			na.Queues = n.counts
			for _, q := range queues {
				na.QueueTotal += n.counts[q]
			}
			if n.oldest > 0 {
				na.OldestAge = max(v.now.Unix()-n.oldest, 0)
			}
			a.QueueTotal += na.QueueTotal
			a.Deferred += n.counts["deferred"]
			a.Hold += n.counts["hold"]
			a.OldestAge = max(a.OldestAge, na.OldestAge)
			if v.clustered && n.status.InSync != nil && !*n.status.InSync {
				status = resource.StatusDegraded
			}
		} else {
			status = resource.StatusDegraded
		}
		a.Nodes = append(a.Nodes, na)
	}
	st := s.stats
	a.Mail = statsAttrs{WindowSeconds: int64(c.cfg.th.window / time.Second), Received: st.CountIn, Sent: st.CountOut,
		PassedIn: max(st.CountIn-st.JunkIn, 0), SpamIn: st.SpamIn, SpamOut: st.SpamOut, VirusIn: st.VirusIn, VirusOut: st.VirusOut,
		BouncesIn: st.BouncesIn, BouncesOut: st.BouncesOut, Rejects: st.RBLRejects + st.PregreetRejects, RBLRejects: st.RBLRejects,
		PregreetRejects: st.PregreetRejects, Greylisted: st.Greylisted, BytesIn: st.BytesIn, BytesOut: st.BytesOut, AvgProcessing: st.AvgProcessing}
	a.Quarantine = quarantineAttrs{SpamCount: s.spam.Count, SpamBytes: int64(s.spam.MBytes * 1024 * 1024), VirusCount: s.virus.Count,
		VirusBytes: int64(s.virus.MBytes * 1024 * 1024), AttachmentCount: s.attachN, AttachmentBytes: s.attachB}
	if v.growth >= 0 {
		g := v.growth
		a.Quarantine.GrowthLastHour = &g
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode attributes: %w", err)
	}
	r := sdk.Resource{Type: resource.TypePMG, NativeID: gatewayID, Name: master.Name, Status: status, RawAttributes: raw,
		Topology: map[string]string{"node": master.Name}}
	if v.clustered {
		r.Topology["cluster"] = master.Name
	}
	r.Identity = []resource.IdentityKey{{Kind: resource.KeyHostname, Value: master.Name}}
	if err := out.Resource(r); err != nil {
		return err
	}
	for _, m := range []struct {
		name string
		v    float64
		unit string
	}{
		{"mail_queue_messages", float64(a.QueueTotal), "count"},
		{"mail_queue_deferred_messages", float64(a.Deferred), "count"},
		{"mail_queue_hold_messages", float64(a.Hold), "count"},
		{"mail_queue_oldest_age_seconds", float64(a.OldestAge), "seconds"},
	} {
		if err := out.Metric(sdk.Metric{Resource: gatewayID, Name: m.name, Value: m.v, Unit: m.unit, Time: v.now}); err != nil {
			return err
		}
	}
	if master.online {
		for _, m := range []struct {
			name string
			v    float64
			unit string
		}{
			{"uptime_seconds", float64(master.status.Uptime), "seconds"},
			{"cpu_usage_ratio", master.status.CPU, "ratio"},
			{"memory_used_bytes", float64(master.status.Memory.Used), "bytes"},
			{"memory_total_bytes", float64(master.status.Memory.Total), "bytes"},
		} {
			if err := out.Metric(sdk.Metric{Resource: gatewayID, Name: m.name, Value: m.v, Unit: m.unit, Time: v.now}); err != nil {
				return err
			}
		}
	}
	for _, al := range alerts(c, v, a) {
		if err := out.Alert(al); err != nil {
			return err
		}
	}
	return nil
}

// alerts applies the connection's thresholds, per node for queues (each
// node runs its own postfix) and for the gateway's quarantine.
func alerts(c *conn, v *view, a gatewayAttrs) []sdk.Alert {
	th := c.cfg.th
	var out []sdk.Alert
	add := func(id, kind string, sev resource.Severity, format string, args ...any) {
		out = append(out, sdk.Alert{NativeID: id, Resource: gatewayID, Severity: sev, Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	level := func(n int64, t [2]int64) (resource.Severity, int64) {
		switch {
		case n > t[1]:
			return resource.SeverityCritical, t[1]
		case n > t[0]:
			return resource.SeverityWarning, t[0]
		}
		return "", 0
	}
	for i, n := range v.nodes {
		na := a.Nodes[i]
		if !n.online {
			add("node-offline/"+n.Name, "node-offline", resource.SeverityCritical,
				"mail gateway node %s is offline (%s); its queues cannot be read", n.Name, n.down)
			continue
		}
		if v.clustered && n.status.InSync != nil && !*n.status.InSync {
			add("node-out-of-sync/"+n.Name, "node-out-of-sync", resource.SeverityWarning,
				"mail gateway node %s is out of sync with the cluster: its configuration or quarantine database is not replicated", n.Name)
		}
		if sev, lim := level(na.QueueTotal, th.queue); sev != "" {
			add("mail-queue/"+n.Name, "mail-queue", sev, "node %s has %d queued messages (threshold %d): active %d, deferred %d, hold %d, incoming %d",
				n.Name, na.QueueTotal, lim, n.counts["active"], n.counts["deferred"], n.counts["hold"], n.counts["incoming"])
		}
		if sev, lim := level(n.counts["deferred"], th.deferred); sev != "" {
			add("mail-deferred/"+n.Name, "mail-deferred", sev, "node %s has %d deferred messages (threshold %d): delivery is failing and being retried",
				n.Name, n.counts["deferred"], lim)
		}
		if sev, lim := level(n.counts["hold"], th.hold); sev != "" {
			add("mail-hold/"+n.Name, "mail-hold", sev, "node %s has %d messages on hold (threshold %d)", n.Name, n.counts["hold"], lim)
		}
		age := time.Duration(na.OldestAge) * time.Second
		switch {
		case na.OldestAge > 0 && age > th.oldest[1]:
			add("mail-oldest/"+n.Name, "mail-oldest", resource.SeverityCritical, "the oldest queued message on node %s is %s old (threshold %s)", n.Name, age, th.oldest[1])
		case na.OldestAge > 0 && age > th.oldest[0]:
			add("mail-oldest/"+n.Name, "mail-oldest", resource.SeverityWarning, "the oldest queued message on node %s is %s old (threshold %s)", n.Name, age, th.oldest[0])
		}
	}
	if v.growth >= th.growth {
		add("quarantine-growth", "quarantine-growth", resource.SeverityWarning,
			"the quarantine grew by %d messages in the last hour (threshold %d): spam %d, virus %d, attachment %d now",
			v.growth, th.growth, a.Quarantine.SpamCount, a.Quarantine.VirusCount, a.Quarantine.AttachmentCount)
	}
	return out
}
