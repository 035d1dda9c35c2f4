package truenas

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// Native ids: stable within the connection.
func hostID(id string) string        { return "host/" + id }
func poolID(name string) string      { return "pool/" + name }
func datasetID(name string) string   { return "dataset/" + name }
func diskID(d diskRow) string        { return "disk/" + d.Identifier }
func appID(name string) string       { return "app/" + name }
func truenasAlertID(u string) string { return "truenas-alert/" + u }

// emit forwards records to the core, keeping the first error.
type emit struct {
	out sdk.Emitter
	err error
}

func (e *emit) resource(r sdk.Resource) {
	if e.err == nil {
		e.err = e.out.Resource(r)
	}
}

func (e *emit) rel(from string, kind resource.RelKind, to string) {
	if e.err == nil {
		e.err = e.out.Relationship(sdk.Relationship{From: from, Kind: kind, To: to})
	}
}

func (e *emit) metric(res, name string, v float64, unit string, at time.Time) {
	if e.err == nil {
		e.err = e.out.Metric(sdk.Metric{Resource: res, Name: name, Value: v, Unit: unit, Time: at})
	}
}

func (e *emit) alert(a sdk.Alert) {
	if e.err == nil {
		e.err = e.out.Alert(a)
	}
}

func (e *emit) cleared(id string) {
	if e.err == nil {
		e.err = e.out.ClearedAlert(id)
	}
}

func (e *emit) recovery(r sdk.RecoveryPoint) {
	if e.err == nil {
		e.err = e.out.RecoveryPoint(r)
	}
}

// projection turns one inventory into records.
type projection struct {
	c         *conn
	inv       *inventory
	now       time.Time
	host      string
	projected map[string]bool   // dataset names projected as resources
	diskPool  map[string]string // disk name -> pool name
	vdevs     map[string]vdev   // disk name -> its leaf vdev
	byName    map[string]diskRow
	smart     map[string]smartRow
}

func (c *conn) newProjection(inv *inventory) *projection {
	p := &projection{c: c, inv: inv, now: c.opts.Now(), host: hostID(inv.hostID),
		projected: map[string]bool{}, diskPool: map[string]string{}, vdevs: map[string]vdev{},
		byName: map[string]diskRow{}, smart: map[string]smartRow{}}
	for _, d := range inv.datasets {
		if projectDataset(d.ID, c.set.datasetDepth) {
			p.projected[d.ID] = true
		}
	}
	for _, pl := range inv.pools {
		for _, vs := range pl.Topology {
			walkLeaves(vs, func(v vdev) {
				if v.Disk != nil && *v.Disk != "" {
					p.diskPool[*v.Disk] = pl.Name
					p.vdevs[*v.Disk] = v
				}
			})
		}
	}
	for _, d := range inv.disks {
		p.byName[d.Name] = d
		if d.Pool != nil && *d.Pool != "" {
			if _, ok := p.diskPool[d.Name]; !ok {
				p.diskPool[d.Name] = *d.Pool
			}
		}
	}
	for _, s := range inv.smart {
		p.smart[s.Disk] = s
	}
	return p
}

func walkLeaves(vs []vdev, fn func(vdev)) {
	for _, v := range vs {
		if len(v.Children) == 0 {
			fn(v)
			continue
		}
		walkLeaves(v.Children, fn)
	}
}

// projectDataset says whether a dataset becomes a storage resource: one
// level to depth below its pool root, and not internal. The pool root is
// the pool's own resource; datasets whose path has a component starting
// with "." (.system, .ix-virt) and the apps runtime trees (ix-apps,
// ix-applications) are the middleware's own; deeper datasets are reported
// through their nearest projected ancestor (snapshots attach there).
func projectDataset(id string, depth int) bool {
	d := datasetDepth(id)
	if d < 1 || d > depth {
		return false
	}
	for i, part := range strings.Split(id, "/") {
		if strings.HasPrefix(part, ".") || (i == 1 && (part == "ix-apps" || part == "ix-applications")) {
			return false
		}
	}
	return true
}

// holder is the native id of the resource a dataset's data belongs to:
// itself when projected, else the nearest projected ancestor, else its pool.
func (p *projection) holder(ds string) string {
	for d := ds; ; {
		if p.projected[d] {
			return datasetID(d)
		}
		i := strings.LastIndexByte(d, '/')
		if i < 0 {
			return poolID(d)
		}
		d = d[:i]
	}
}

// all emits every record of the inventory.
func (p *projection) all(e *emit) {
	p.system(e)
	for _, pl := range p.inv.pools {
		p.pool(e, pl)
	}
	for _, d := range p.inv.datasets {
		if p.projected[d.ID] {
			p.dataset(e, d)
		}
	}
	for _, d := range p.inv.disks {
		p.disk(e, d)
	}
	for _, a := range p.inv.apps {
		p.app(e, a)
	}
	p.recovery(e)
	p.truenasAlerts(e)
}

func (p *projection) system(e *emit) {
	in := p.inv.info
	attrs := map[string]any{
		"hostname": in.Hostname, "version": in.Version, "product": in.SystemProduct,
		"manufacturer": in.SystemManufacturer, "cpu_model": in.Model, "serial": in.SystemSerial,
		"host_id": p.inv.hostID, "uptime_seconds": int64(in.UptimeSeconds), "cores": in.Cores,
		"physical_cores": in.PhysicalCores, "memory_total_bytes": in.Physmem, "ecc_memory": in.EccMemory,
		"timezone": in.Timezone,
	}
	if !in.Boottime.IsZero() {
		attrs["boot_time"] = in.Boottime.Time
	}
	if len(in.Loadavg) == 3 {
		attrs["load"] = in.Loadavg
	}
	ids := []resource.IdentityKey{}
	if in.Hostname != "" {
		ids = append(ids, resource.IdentityKey{Kind: resource.KeyHostname, Value: in.Hostname})
	}
	if in.SystemSerial != "" {
		// Weak on purpose: replicated DR clones share the DMI serial.
		ids = append(ids, resource.IdentityKey{Kind: resource.KeyDMISerial, Value: in.SystemSerial})
	}
	e.resource(sdk.Resource{Type: resource.TypeAgent, NativeID: p.host, Name: in.Hostname, Status: resource.StatusOnline,
		Identity: ids, Attributes: attrs})
	e.metric(p.host, "cpu_cores", float64(in.Cores), "count", p.now)
	e.metric(p.host, "memory_total_bytes", float64(in.Physmem), "bytes", p.now)
	e.metric(p.host, "uptime_seconds", in.UptimeSeconds, "seconds", p.now)
	p.c.mu.Lock()
	rt := p.c.rt
	p.c.mu.Unlock()
	if !rt.at.IsZero() && p.now.Sub(rt.at) < 5*time.Minute {
		rt.metrics(e, p.host) // the latest realtime sample Watch received
	}
	if len(in.Loadavg) == 3 {
		e.metric(p.host, "load1", in.Loadavg[0], "count", p.now)
		e.metric(p.host, "load5", in.Loadavg[1], "count", p.now)
		e.metric(p.host, "load15", in.Loadavg[2], "count", p.now)
	}
}

func poolStatus(s string) resource.Status {
	switch s {
	case "ONLINE":
		return resource.StatusOnline
	case "DEGRADED":
		return resource.StatusDegraded
	case "FAULTED", "UNAVAIL", "REMOVED", "OFFLINE":
		return resource.StatusOffline
	}
	return resource.StatusUnknown
}

func scanAttrs(s *scanInfo) map[string]any {
	if s == nil || s.Function == "" {
		return nil
	}
	m := map[string]any{"function": strings.ToLower(s.Function), "state": strings.ToLower(s.State),
		"percentage": s.Percentage, "errors": s.Errors}
	if !s.StartTime.IsZero() {
		m["start_time"] = s.StartTime.Time
	}
	if !s.EndTime.IsZero() {
		m["end_time"] = s.EndTime.Time
	}
	return m
}

func (p *projection) pool(e *emit, pl poolRow) {
	id := poolID(pl.Name)
	attrs := map[string]any{
		"kind": "zfs-pool", "guid": pl.GUID, "path": pl.Path, "health": pl.Status, "healthy": pl.Healthy,
		"size_bytes": pl.Size, "allocated_bytes": pl.Allocated, "free_bytes": pl.Free,
	}
	if pl.StatusDetail != nil {
		attrs["status_detail"] = *pl.StatusDetail
	}
	if f, err := parseFloat(pl.Fragmentation); err == nil {
		attrs["fragmentation_percent"] = f
	}
	if s := scanAttrs(pl.Scan); s != nil {
		attrs["scan"] = s
		if pl.Scan.Function == "SCRUB" {
			attrs["last_scrub"] = s
		} else if pl.Scan.Function == "RESILVER" {
			attrs["last_resilver"] = s
		}
	}
	var layout []string
	for _, v := range pl.Topology["data"] {
		layout = append(layout, strings.ToLower(v.Type))
	}
	attrs["data_vdevs"] = layout
	e.resource(sdk.Resource{Type: resource.TypeStorage, NativeID: id, Name: pl.Name, Status: poolStatus(pl.Status),
		Topology: map[string]string{"pool": pl.Name}, Attributes: attrs, Runtime: "zfs"})
	e.rel(id, resource.RelMemberOf, p.host)
	p.storageMetrics(e, id, pl.Allocated, pl.Size, pl.Free)
	for _, a := range poolAlerts(pl, id) {
		e.alert(a)
	}
}

func (p *projection) storageMetrics(e *emit, id string, used, total, avail int64) {
	e.metric(id, "storage_used_bytes", float64(used), "bytes", p.now)
	e.metric(id, "storage_total_bytes", float64(total), "bytes", p.now)
	e.metric(id, "storage_available_bytes", float64(avail), "bytes", p.now)
	if total > 0 {
		e.metric(id, "storage_usage_ratio", float64(used)/float64(total), "ratio", p.now)
	}
}

func (p *projection) dataset(e *emit, d datasetRow) {
	id := datasetID(d.ID)
	used, avail := d.Used.bytes(), d.Available.bytes()
	attrs := map[string]any{
		"kind": "zfs-dataset", "dataset_type": strings.ToLower(d.Type), "pool": d.Pool,
		"used_bytes": used, "available_bytes": avail, "encrypted": d.Encrypted,
	}
	if q := d.Quota.bytes(); q > 0 {
		attrs["quota_bytes"] = q
	}
	if r := d.Compressratio.float(); r > 0 {
		attrs["compression_ratio"] = r
	}
	if d.Compression != nil {
		attrs["compression"] = strings.ToLower(d.Compression.Rawvalue)
	}
	if d.Encrypted {
		attrs["key_loaded"] = d.KeyLoaded
		if d.EncryptionRoot != nil {
			attrs["encryption_root"] = *d.EncryptionRoot
		}
	}
	if d.Mountpoint != nil {
		attrs["mountpoint"] = *d.Mountpoint
	}
	e.resource(sdk.Resource{Type: resource.TypeStorage, NativeID: id, Name: d.ID, Status: resource.StatusOnline,
		Topology: map[string]string{"pool": d.Pool}, Attributes: attrs, Runtime: "zfs"})
	e.rel(id, resource.RelMemberOf, poolID(d.Pool))
	if i := strings.LastIndexByte(d.ID, '/'); i > 0 && p.projected[d.ID[:i]] {
		e.rel(id, resource.RelParent, datasetID(d.ID[:i]))
	}
	p.storageMetrics(e, id, used, used+avail, avail)
}

// lastSMART is a disk's most recent self-test.
func (p *projection) lastSMART(name string) (status, desc string, ok bool) {
	s, found := p.smart[name]
	if !found || len(s.Tests) == 0 {
		return "", "", false
	}
	t := s.Tests[0]
	for _, x := range s.Tests {
		if x.Num < t.Num {
			t = x
		}
	}
	return t.Status, t.StatusVerbose, true
}

func diskStatus(v *vdev, smartFailed bool) resource.Status {
	if v != nil {
		switch v.Status {
		case "FAULTED", "UNAVAIL", "REMOVED", "OFFLINE":
			return resource.StatusOffline
		case "DEGRADED":
			return resource.StatusDegraded
		}
	}
	if smartFailed {
		return resource.StatusDegraded
	}
	return resource.StatusOnline
}

func (p *projection) disk(e *emit, d diskRow) {
	id := diskID(d)
	attrs := map[string]any{
		"device": d.Name, "serial": d.Serial, "model": d.Model, "size_bytes": d.Size,
		"disk_type": strings.ToLower(d.Type), "bus": d.Bus,
	}
	if d.Rotationrate != nil {
		attrs["rotation_rpm"] = *d.Rotationrate
	} else if d.Type == "SSD" {
		attrs["rotation_rpm"] = 0
	}
	var ids []resource.IdentityKey
	if d.Serial != "" {
		ids = append(ids, resource.IdentityKey{Kind: resource.KeyDiskSerial, Value: d.Serial})
	}
	if d.Lunid != nil && *d.Lunid != "" {
		attrs["wwn"] = *d.Lunid
		ids = append(ids, resource.IdentityKey{Kind: resource.KeyDiskWWN, Value: *d.Lunid})
	}
	pool := p.diskPool[d.Name]
	var vp *vdev
	if v, ok := p.vdevs[d.Name]; ok {
		vp = &v
		attrs["vdev_status"] = v.Status
		attrs["read_errors"], attrs["write_errors"], attrs["checksum_errors"] = v.Stats.ReadErrors, v.Stats.WriteErrors, v.Stats.ChecksumErrors
	}
	if pool != "" {
		attrs["pool"] = pool
	}
	smartStatus, smartMsg, hasSMART := p.lastSMART(d.Name)
	if hasSMART {
		attrs["smart_last_test"] = map[string]any{"status": strings.ToLower(smartStatus), "message": smartMsg}
	}
	temp := p.inv.temps[d.Name]
	if temp != nil {
		attrs["temperature_celsius"] = *temp
	}
	e.resource(sdk.Resource{Type: resource.TypePhysicalDisk, NativeID: id, Name: d.Name,
		Status: diskStatus(vp, smartStatus == "FAILED"), Identity: ids, Attributes: attrs,
		Topology: map[string]string{"pool": pool}})
	if pool != "" {
		e.rel(id, resource.RelMemberOf, poolID(pool))
	} else {
		e.rel(id, resource.RelMemberOf, p.host)
	}
	if temp != nil {
		e.metric(id, "temperature_celsius", *temp, "celsius", p.now)
	}
	for _, a := range p.diskAlerts(d, id, vp, smartStatus, smartMsg, temp) {
		e.alert(a)
	}
}

func appStatus(s string) resource.Status {
	switch s {
	case "RUNNING", "STOPPING":
		return resource.StatusRunning
	case "STOPPED":
		return resource.StatusStopped
	case "CRASHED":
		return resource.StatusDegraded
	}
	return resource.StatusUnknown // DEPLOYING and anything new
}

// appRecord projects one app; the same function serves Collect and Watch.
func appRecord(a appRow) sdk.Resource {
	var ports []map[string]any
	for _, pt := range a.ActiveWorkloads.UsedPorts {
		for _, h := range pt.HostPorts {
			ports = append(ports, map[string]any{"container_port": pt.ContainerPort, "host_port": h.HostPort, "host_ip": h.HostIP, "protocol": pt.Protocol})
		}
		if len(pt.HostPorts) == 0 {
			ports = append(ports, map[string]any{"container_port": pt.ContainerPort, "protocol": pt.Protocol})
		}
	}
	var containers []map[string]any
	for _, c := range a.ActiveWorkloads.ContainerDetails {
		containers = append(containers, map[string]any{"id": c.ID, "service": c.ServiceName, "image": c.Image, "state": c.State})
	}
	attrs := map[string]any{
		"app_state": a.State, "version": a.Version, "human_version": a.HumanVersion,
		"latest_version": a.LatestVersion, "update_available": a.UpgradeAvailable || a.ImageUpdatesAvailable,
		"upgrade_available": a.UpgradeAvailable, "image_updates_available": a.ImageUpdatesAvailable,
		"custom_app": a.CustomApp, "containers": a.ActiveWorkloads.Containers,
		"container_details": containers, "ports": ports,
	}
	if a.Metadata.Train != "" {
		attrs["train"] = a.Metadata.Train
	}
	return sdk.Resource{Type: resource.TypeAppContainer, NativeID: appID(a.Name), Name: a.Name,
		Status: appStatus(a.State), Attributes: attrs, Runtime: "truenas-apps"}
}

func (p *projection) app(e *emit, a appRow) {
	r := appRecord(a)
	e.resource(r)
	e.rel(r.NativeID, resource.RelRunsOn, p.host)
	unexpected := p.c.observeApp(a)
	for _, al := range appAlerts(a, unexpected) {
		e.alert(al)
	}
}

// recovery emits snapshots, replication and cloud-sync tasks.
func (p *projection) recovery(e *emit) {
	for _, s := range p.inv.snapshots {
		at := snapshotTime(s)
		attrs := map[string]any{"dataset": s.Dataset, "name": s.SnapshotName,
			"used_bytes": s.Properties.Used.bytes(), "referenced_bytes": s.Properties.Referenced.bytes()}
		holds := len(s.Holds)
		if n := int(s.Properties.Userrefs.float()); n > holds {
			holds = n
		}
		attrs["holds"] = holds
		if len(s.Holds) > 0 {
			tags := make([]string, 0, len(s.Holds))
			for t := range s.Holds {
				tags = append(tags, t)
			}
			slices.Sort(tags)
			attrs["hold_tags"] = tags
		}
		pool := s.Pool
		if pool == "" {
			pool, _, _ = strings.Cut(s.Dataset, "/")
		}
		e.recovery(sdk.RecoveryPoint{NativeID: "snapshot/" + s.ID, Resource: p.holder(s.Dataset), Kind: resource.RecoverySnapshot,
			Time: at, SizeBytes: s.Properties.Referenced.bytes(), Storage: poolID(pool), Attributes: attrs})
	}
	for _, r := range p.inv.repls {
		state := strings.ToLower(r.State.State)
		if state == "" {
			state = "never-run"
		}
		for _, src := range r.SourceDatasets {
			attrs := map[string]any{"task": r.Name, "task_id": r.ID, "direction": strings.ToLower(r.Direction),
				"transport": strings.ToLower(r.Transport), "target_dataset": r.TargetDataset, "source_dataset": src,
				"state": state, "enabled": r.Enabled}
			if r.State.Error != nil {
				attrs["error"] = *r.State.Error
			}
			if r.State.LastSnapshot != nil {
				attrs["last_snapshot"] = *r.State.LastSnapshot
			}
			e.recovery(sdk.RecoveryPoint{NativeID: fmt.Sprintf("replication/%d/%s", r.ID, src), Resource: p.holder(src),
				Kind: resource.RecoveryReplica, Time: r.State.Datetime.Time, Attributes: attrs})
		}
		if r.State.State == "ERROR" {
			msg := "replication failed"
			if r.State.Error != nil {
				msg = *r.State.Error
			}
			res := p.host
			if len(r.SourceDatasets) > 0 {
				res = p.holder(r.SourceDatasets[0])
			}
			e.alert(sdk.Alert{NativeID: fmt.Sprintf("replication-failed/%d", r.ID), Resource: res, Severity: resource.SeverityCritical,
				Kind: "replication-failed", Message: fmt.Sprintf("replication task %q failed: %s", r.Name, msg), Started: r.State.Datetime.Time})
		}
	}
	for _, cs := range p.inv.clouds {
		ds := strings.TrimPrefix(cs.Path, "/mnt/")
		attrs := map[string]any{"task": cs.Description, "task_id": cs.ID, "path": cs.Path,
			"direction": strings.ToLower(cs.Direction), "enabled": cs.Enabled, "state": "never-run"}
		var at time.Time
		if j := cs.Job; j != nil {
			attrs["state"] = strings.ToLower(j.State)
			attrs["job_id"] = j.ID
			if j.Error != nil {
				attrs["error"] = *j.Error
			}
			at = j.TimeFinished.Time
			if at.IsZero() {
				at = j.TimeStarted.Time
			}
			if j.State == "FAILED" {
				msg := "failed"
				if j.Error != nil {
					msg = *j.Error
				}
				e.alert(sdk.Alert{NativeID: fmt.Sprintf("cloud-sync-failed/%d", cs.ID), Resource: p.holder(strings.TrimRight(ds, "/")),
					Severity: resource.SeverityCritical, Kind: "cloud-sync-failed",
					Message: fmt.Sprintf("cloud sync task %q failed: %s", cs.Description, msg), Started: at})
			}
		}
		e.recovery(sdk.RecoveryPoint{NativeID: fmt.Sprintf("cloudsync/%d", cs.ID), Resource: p.holder(strings.TrimRight(ds, "/")),
			Kind: resource.RecoveryBackup, Time: at, Attributes: attrs})
	}
}

func snapshotTime(s snapshotRow) time.Time {
	if s.Properties.Creation == nil {
		return time.Time{}
	}
	var d struct {
		Date *float64 `json:"$date"`
	}
	if json.Unmarshal(s.Properties.Creation.Parsed, &d) == nil && d.Date != nil {
		return time.UnixMilli(int64(*d.Date)).UTC()
	}
	if secs := int64(s.Properties.Creation.float()); secs > 0 {
		return time.Unix(secs, 0).UTC()
	}
	return time.Time{}
}

func parseFloat(s string) (float64, error) {
	var f float64
	_, err := fmt.Sscan(s, &f)
	return f, err
}
