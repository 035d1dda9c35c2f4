package pbs

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// serverID is the native id of the pbs resource: one server per connection.
const serverID = "server"

func storeID(name string) string { return "datastore/" + name }

// serverAttrs are the attributes of the pbs resource.
type serverAttrs struct {
	Version             string    `json:"version"`
	Release             string    `json:"release,omitempty"`
	RepoID              string    `json:"repoid,omitempty"`
	InstanceID          string    `json:"instance_id,omitempty"`
	Kernel              string    `json:"kernel,omitempty"`
	CPUModel            string    `json:"cpu_model,omitempty"`
	CPUCores            int       `json:"cpu_cores"`
	CPUUsage            float64   `json:"cpu_usage_ratio"`
	IOWait              float64   `json:"iowait_ratio"`
	MemoryUsed          int64     `json:"memory_used_bytes"`
	MemoryTotal         int64     `json:"memory_total_bytes"`
	SwapUsed            int64     `json:"swap_used_bytes"`
	SwapTotal           int64     `json:"swap_total_bytes"`
	RootUsed            int64     `json:"root_used_bytes"`
	RootTotal           int64     `json:"root_total_bytes"`
	Load                []float64 `json:"load_average,omitempty"`
	UptimeSeconds       int64     `json:"uptime_seconds"`
	BootMode            string    `json:"boot_mode,omitempty"`
	Subscription        string    `json:"subscription_status"`
	SubscriptionProduct string    `json:"subscription_product,omitempty"`
	SubscriptionDue     string    `json:"subscription_next_due,omitempty"`
	CertFingerprint     string    `json:"certificate_fingerprint,omitempty"`
	Datastores          int       `json:"datastores"`
	Snapshots           int       `json:"snapshots"`
	Groups              int       `json:"backup_groups"`
}

// storeAttrs are the attributes of a datastore's storage resource.
type storeAttrs struct {
	PlatformType   string   `json:"platformType"`
	Datastore      string   `json:"datastore"`
	Comment        string   `json:"comment,omitempty"`
	Backend        string   `json:"backend_type,omitempty"`
	MountStatus    string   `json:"mount_status,omitempty"`
	Maintenance    string   `json:"maintenance,omitempty"`
	Unavailable    string   `json:"unavailable,omitempty"`
	Total          *int64   `json:"total_bytes,omitempty"`
	Used           *int64   `json:"used_bytes,omitempty"`
	Available      *int64   `json:"available_bytes,omitempty"`
	UsageRatio     *float64 `json:"usage_ratio,omitempty"`
	DedupFactor    *float64 `json:"deduplication_factor,omitempty"`
	EstimatedFull  string   `json:"estimated_full_date,omitempty"`
	GCState        string   `json:"gc_last_state,omitempty"`
	GCLastRun      string   `json:"gc_last_run,omitempty"`
	GCNextRun      string   `json:"gc_next_run,omitempty"`
	GCSchedule     string   `json:"gc_schedule,omitempty"`
	GCPendingBytes int64    `json:"gc_pending_bytes,omitempty"`
	Namespaces     int      `json:"namespaces"`
	Groups         int      `json:"backup_groups"`
	Snapshots      int      `json:"snapshots"`
}

func unix(t int64) string {
	if t <= 0 {
		return ""
	}
	return time.Unix(t, 0).UTC().Format(time.RFC3339)
}

// emitter gathers relationships, metrics and alerts while resources stream.
type emitter struct {
	out  sdk.Emitter
	now  time.Time
	err  error
	rels []sdk.Relationship
	mets []sdk.Metric
	alts []sdk.Alert
}

func (e *emitter) resource(r sdk.Resource, attrs any) {
	if e.err != nil {
		return
	}
	raw, err := json.Marshal(attrs)
	if err != nil {
		e.err = fmt.Errorf("encode attributes of %s: %w", r.NativeID, err)
		return
	}
	r.RawAttributes = raw
	e.err = e.out.Resource(r)
}

func (e *emitter) metric(res, name string, v float64, unit string) {
	e.mets = append(e.mets, sdk.Metric{Resource: res, Name: name, Value: v, Unit: unit, Time: e.now})
}

func (e *emitter) alert(a sdk.Alert) { e.alts = append(e.alts, a) }

// emit projects a cycle's view into canonical records, deterministically.
func emit(c *conn, v *view, out sdk.Emitter) error {
	e := &emitter{out: out, now: v.now}
	keys := make([]groupKey, 0, len(v.groups))
	perStore := map[string][2]int{}
	for k, g := range v.groups {
		keys = append(keys, k)
		n := perStore[k.store]
		perStore[k.store] = [2]int{n[0] + 1, n[1] + len(g.snaps)}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.store != b.store {
			return a.store < b.store
		}
		if a.ns != b.ns {
			return a.ns < b.ns
		}
		if a.typ != b.typ {
			return a.typ < b.typ
		}
		return a.id < b.id
	})
	projectServer(e, c, v, perStore)
	projectStores(e, c, v, perStore)
	if e.err != nil {
		return e.err
	}
	for _, r := range e.rels {
		if err := out.Relationship(r); err != nil {
			return err
		}
	}
	for _, m := range e.mets {
		if err := out.Metric(m); err != nil {
			return err
		}
	}
	storeAlerts(e, c, v)
	jobAlerts(e, v)
	taskAlerts(e, v)
	verifyAlerts(e, v, keys)
	for _, a := range e.alts {
		if err := out.Alert(a); err != nil {
			return err
		}
	}
	return emitRecovery(c, v, keys, out)
}

func projectServer(e *emitter, c *conn, v *view, perStore map[string][2]int) {
	st, s := v.status, v.slow
	a := serverAttrs{Version: s.version.Version, Release: s.version.Release, RepoID: s.version.RepoID,
		InstanceID: s.instanceID, Kernel: st.Kernel.Release, CPUModel: st.CPUInfo.Model, CPUCores: st.CPUInfo.CPUs, CPUUsage: st.CPU,
		IOWait: st.Wait, MemoryUsed: st.Memory.Used, MemoryTotal: st.Memory.Total, SwapUsed: st.Swap.Used, SwapTotal: st.Swap.Total,
		RootUsed: st.Root.Used, RootTotal: st.Root.Total, Load: st.LoadAvg, UptimeSeconds: st.Uptime, BootMode: st.BootInfo.Mode,
		Subscription: s.sub.Status, SubscriptionProduct: s.sub.ProductName, SubscriptionDue: s.sub.NextDueDate,
		CertFingerprint: st.Info.Fingerprint, Datastores: len(s.stores)}
	for _, n := range perStore {
		a.Groups += n[0]
		a.Snapshots += n[1]
	}
	r := sdk.Resource{Type: resource.TypePBS, NativeID: serverID, Name: v.host, Status: resource.StatusOnline,
		Topology: map[string]string{"server": v.host}}
	if s.instanceID != "" {
		r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyPBSInstanceID, Value: s.instanceID})
	}
	if v.host != "" && net.ParseIP(v.host) == nil && v.host != "localhost" {
		r.Identity = append(r.Identity, resource.IdentityKey{Kind: resource.KeyHostname, Value: v.host})
	}
	e.resource(r, a)
	e.metric(serverID, "cpu_usage_ratio", st.CPU, "ratio")
	e.metric(serverID, "cpu_cores", float64(st.CPUInfo.CPUs), "count")
	if len(st.LoadAvg) == 3 {
		e.metric(serverID, "load1", st.LoadAvg[0], "count")
		e.metric(serverID, "load5", st.LoadAvg[1], "count")
		e.metric(serverID, "load15", st.LoadAvg[2], "count")
	}
	e.metric(serverID, "memory_used_bytes", float64(st.Memory.Used), "bytes")
	e.metric(serverID, "memory_total_bytes", float64(st.Memory.Total), "bytes")
	if st.Memory.Total > 0 {
		e.metric(serverID, "memory_usage_ratio", float64(st.Memory.Used)/float64(st.Memory.Total), "ratio")
	}
	e.metric(serverID, "swap_used_bytes", float64(st.Swap.Used), "bytes")
	e.metric(serverID, "swap_total_bytes", float64(st.Swap.Total), "bytes")
	e.metric(serverID, "disk_used_bytes", float64(st.Root.Used), "bytes")
	e.metric(serverID, "disk_total_bytes", float64(st.Root.Total), "bytes")
	if st.Root.Total > 0 {
		e.metric(serverID, "disk_usage_ratio", float64(st.Root.Used)/float64(st.Root.Total), "ratio")
	}
	e.metric(serverID, "uptime_seconds", float64(st.Uptime), "seconds")
}

func projectStores(e *emitter, c *conn, v *view, perStore map[string][2]int) {
	for _, d := range v.slow.stores {
		id := storeID(d.Store)
		u, hasUsage := v.usage[d.Store]
		gc := v.gc[d.Store]
		a := storeAttrs{PlatformType: "proxmox-pbs", Datastore: d.Store, Comment: d.Comment, Backend: d.BackendType,
			MountStatus: d.MountStatus, Maintenance: d.Maintenance, Unavailable: v.unreadable[d.Store],
			EstimatedFull: unix(u.EstimatedFull), GCState: gc.LastRunState, GCLastRun: unix(gc.LastRunEnd),
			GCNextRun: unix(gc.NextRun), GCSchedule: gc.Schedule, GCPendingBytes: gc.PendingBytes,
			Namespaces: max(len(v.slow.namespaces[d.Store])-1, 0), Groups: perStore[d.Store][0], Snapshots: perStore[d.Store][1]}
		status := resource.StatusOnline
		switch {
		case v.unreadable[d.Store] != "" && d.Maintenance != "":
			status = resource.StatusMaintenance
		case v.unreadable[d.Store] != "" || !hasUsage:
			status = resource.StatusOffline
		case d.Maintenance != "":
			status = resource.StatusMaintenance
		}
		if hasUsage && u.Total != nil && u.Used != nil {
			a.Total, a.Used, a.Available = u.Total, u.Used, u.Avail
			e.metric(id, "storage_total_bytes", float64(*u.Total), "bytes")
			e.metric(id, "storage_used_bytes", float64(*u.Used), "bytes")
			if u.Avail != nil {
				e.metric(id, "storage_available_bytes", float64(*u.Avail), "bytes")
			}
			if *u.Total > 0 {
				r := float64(*u.Used) / float64(*u.Total)
				a.UsageRatio = &r
				e.metric(id, "storage_usage_ratio", r, "ratio")
			}
		}
		g := u.GC
		if g == nil && gc.Store != "" {
			g = &gc
		}
		if g != nil && g.DiskBytes > 0 && g.IndexDataBytes > 0 {
			f := float64(g.IndexDataBytes) / float64(g.DiskBytes)
			a.DedupFactor = &f
			e.metric(id, "storage_deduplication_ratio", f, "ratio")
		}
		e.resource(sdk.Resource{Type: resource.TypeStorage, NativeID: id, Name: d.Store, Status: status,
			Topology: map[string]string{"server": v.host}}, a)
		e.rels = append(e.rels, sdk.Relationship{From: id, Kind: resource.RelMemberOf, To: serverID})
	}
}

// snapshotID is a recovery point's native id: the datastore, the
// namespace (when not the root) and PBS's own snapshot path.
func snapshotID(k groupKey, t int64) string {
	p := k.store + "/"
	if k.ns != "" {
		p += "ns/" + k.ns + "/"
	}
	return p + k.typ + "/" + k.id + "/" + time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05Z")
}

// rpAttrs are a recovery point's attributes.
type rpAttrs struct {
	Datastore         string `json:"datastore"`
	Namespace         string `json:"namespace"`
	BackupType        string `json:"backup_type"`
	BackupID          string `json:"backup_id"`
	Owner             string `json:"owner,omitempty"`
	Protected         bool   `json:"protected"`
	Encrypted         bool   `json:"encrypted"`
	Comment           string `json:"comment,omitempty"`
	VerificationState string `json:"verification_state,omitempty"`
	VerificationTime  string `json:"verification_time,omitempty"`
	SubjectKey        string `json:"subject_key,omitempty"`
}

// emitRecovery emits every snapshot of every group as a backup recovery
// point of the backed-up thing ("vm/101", "ct/200", "host/name"). Guests of
// a configured PVE cluster carry subject_key so the core resolves them to
// the canonical guest when it knows it. Points are encoded once per group
// listing and reused while the group is unchanged.
func emitRecovery(c *conn, v *view, keys []groupKey, out sdk.Emitter) error {
	for _, k := range keys {
		g := v.groups[k]
		if g.rps == nil {
			rps, err := recoveryPoints(c, k, g)
			if err != nil {
				return err
			}
			g.rps = rps
		}
		for _, p := range g.rps {
			if err := out.RecoveryPoint(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func recoveryPoints(c *conn, k groupKey, g *groupState) ([]sdk.RecoveryPoint, error) {
	subject := ""
	if k.typ == "vm" || k.typ == "ct" {
		if cl := c.cfg.clusterOf(k.ns); cl != "" {
			subject = string(resource.KeyClusterGuest) + "=" + cl + "/" + k.id
		}
	}
	out := make([]sdk.RecoveryPoint, 0, len(g.snaps))
	for i := range g.snaps {
		s := &g.snaps[i]
		a := rpAttrs{Datastore: k.store, Namespace: k.ns, BackupType: k.typ, BackupID: k.id, Owner: s.Owner,
			Protected: s.Protected, Encrypted: s.Fingerprint != "", Comment: s.Comment, SubjectKey: subject}
		if a.Owner == "" {
			a.Owner = g.owner
		}
		if s.Verification != nil {
			a.VerificationState = s.Verification.State
			if t := upidTime(s.Verification.UPID); t > 0 {
				a.VerificationTime = unix(t)
			}
		}
		raw, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode recovery point: %w", err)
		}
		out = append(out, sdk.RecoveryPoint{NativeID: snapshotID(k, s.Time), Resource: k.typ + "/" + k.id,
			Kind: resource.RecoveryBackup, Time: time.Unix(s.Time, 0).UTC(), SizeBytes: s.Size, Storage: storeID(k.store),
			RawAttributes: raw})
	}
	return out, nil
}
