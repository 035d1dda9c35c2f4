package faketruenas

import (
	"fmt"
	"time"
)

// Model is the state a Fake serves: rows shaped as the middleware's
// published API models return them (field names, types, extended-JSON
// dates {"$date": ms}).
type Model struct {
	// Info is system.info; HostID is system.host_id.
	Info   Row
	HostID string
	// Pools is pool.query; Datasets pool.dataset.query; Disks disk.query
	// (without "pool", which extra.pools adds from DiskPools).
	Pools, Datasets, Disks []Row
	// DiskPools maps a disk name to its pool.
	DiskPools map[string]string
	// Temperatures is disk.temperatures: disk name to degrees Celsius.
	Temperatures map[string]float64
	// SMART is smart.test.results.
	SMART []Row
	// Snapshots is zfs.snapshot.query (25.04) or pool.snapshot.query (25.10).
	Snapshots []Row
	// Replications is replication.query; CloudSyncs cloudsync.query.
	Replications, CloudSyncs []Row
	// Alerts is alert.list.
	Alerts []Row
	// Apps is app.query.
	Apps []Row
}

// Spec sizes a generated model. The zero Spec is the default lab model: a
// degraded pool with a faulted disk, a healthy NVMe mirror, a failed
// replication, a dismissed alert, a crashed app and a hot disk.
type Spec struct {
	// Hostname and Version of the appliance (default "truenas-lab", "25.10.1").
	Hostname, Version string
	// Pools, DisksPerPool, Datasets, Snapshots and Apps size a large model
	// (a benchmark estate); zero keeps the default lab model's sizes.
	Pools, DisksPerPool, Datasets, Snapshots, Apps int
	// Epoch is "now" for generated times (default 2026-11-30T12:00:00Z).
	Epoch time.Time
}

// date encodes t as TrueNAS extended JSON.
func date(t time.Time) Row { return Row{"$date": t.UnixMilli()} }

// prop is a ZFS property as pool.dataset.query returns it.
func prop(value string, raw string, parsed any, source string) Row {
	return Row{"value": value, "rawvalue": raw, "parsed": parsed, "source": source}
}

func bytesProp(n int64) Row {
	return prop(human(n), fmt.Sprint(n), n, "NONE")
}

func human(n int64) string {
	units := []string{"B", "K", "M", "G", "T", "P"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.2f%s", f, units[i])
}

const (
	tib = int64(1) << 40
	gib = int64(1) << 30
)

// Generate builds a model from a spec.
func Generate(s Spec) *Model {
	if s.Hostname == "" {
		s.Hostname = "truenas-lab"
	}
	if s.Version == "" {
		s.Version = "25.10.1"
	}
	if s.Epoch.IsZero() {
		s.Epoch = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	}
	m := &Model{DiskPools: map[string]string{}, Temperatures: map[string]float64{}}
	boot := s.Epoch.Add(-36 * time.Hour)
	m.HostID = "5f0c1e9a2b7d4c38a6e1f09b3d2c7a4e8b1f6d0c9e2a7b3c4d5e6f708192a3b4"
	m.Info = Row{
		"version": s.Version, "buildtime": date(s.Epoch.Add(-40 * 24 * time.Hour)),
		"hostname": s.Hostname, "physmem": int64(68619431936), "model": "AMD Ryzen 7 5700G with Radeon Graphics",
		"cores": 16, "physical_cores": 8, "loadavg": []any{0.42, 0.37, 0.31},
		"uptime": "1 day, 12:00:00.000000", "uptime_seconds": 36 * 3600.0,
		"system_serial": "TN-LAB-000123", "system_product": "TRUENAS-MINI-3.0-XL+",
		"system_product_version": "1.0", "system_manufacturer": "iXsystems",
		"license": nil, "boottime": date(boot), "datetime": date(s.Epoch),
		"timezone": "Etc/UTC", "ecc_memory": true,
	}
	if s.Pools == 0 {
		defaultModel(m, s)
	} else {
		largeModel(m, s)
	}
	return m
}

// disk builds one disk.query row.
func disk(name, serial, model, typ, bus string, size int64, rpm any, lunid string) Row {
	ident := "{serial_lunid}" + serial
	if lunid != "" {
		ident += "_" + lunid
	}
	return Row{
		"identifier": ident, "name": name, "subsystem": "scsi", "number": 2048, "serial": serial,
		"lunid": nilIfEmpty(lunid), "size": size, "description": "", "transfermode": "Auto",
		"hddstandby": "ALWAYS ON", "advpowermgmt": "DISABLED", "togglesmart": true, "smartoptions": "",
		"expiretime": nil, "critical": nil, "difference": nil, "informational": nil,
		"model": model, "rotationrate": rpm, "type": typ, "zfs_guid": fmt.Sprintf("%d", 1000000+len(name)*7919+int(size%9973)),
		"bus": bus, "devname": name, "enclosure": nil, "supports_smart": true,
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// vdevDisk is one leaf of a pool's topology.
func vdevDisk(diskName, status string, errs int) Row {
	return Row{
		"name": diskName + "1", "type": "DISK", "path": "/dev/disk/by-partuuid/" + diskName + "-part", "guid": "g-" + diskName,
		"status": status, "stats": Row{"read_errors": errs, "write_errors": 0, "checksum_errors": errs * 3},
		"children": []any{}, "device": diskName + "1", "disk": diskName, "unavail_disk": nil,
	}
}

func pool(id int, name, guid, status, detail string, size, alloc int64, frag string, scan Row, data []any) Row {
	return Row{
		"id": id, "name": name, "guid": guid, "path": "/mnt/" + name, "status": status,
		"healthy": status == "ONLINE", "warning": false, "status_code": nilIfEmpty(map[string]string{"DEGRADED": "DEGRADED", "FAULTED": "FAULTED"}[status]),
		"status_detail": nilIfEmpty(detail), "size": size, "allocated": alloc, "free": size - alloc, "freeing": 0,
		"fragmentation": frag, "size_str": fmt.Sprint(size), "allocated_str": fmt.Sprint(alloc), "free_str": fmt.Sprint(size - alloc),
		"autotrim": Row{"value": "off", "rawvalue": "off", "parsed": "off", "source": "DEFAULT"},
		"scan":     scan, "expand": nil, "is_upgraded": true,
		"topology": Row{"data": data, "log": []any{}, "cache": []any{}, "spare": []any{}, "special": []any{}, "dedup": []any{}},
	}
}

func scan(function, state string, start, end time.Time, errs int, pct float64) Row {
	r := Row{"function": function, "state": state, "start_time": date(start), "end_time": nil,
		"percentage": pct, "bytes_to_process": 4 * tib, "bytes_processed": int64(pct / 100 * float64(4*tib)),
		"bytes_issued": int64(pct / 100 * float64(4*tib)), "pause": nil, "errors": errs, "total_secs_left": nil}
	if !end.IsZero() {
		r["end_time"] = date(end)
	}
	return r
}

func dataset(name, typ string, used, avail, quota int64, ratio string, encrypted bool) Row {
	pool := name
	for i := range name {
		if name[i] == '/' {
			pool = name[:i]
			break
		}
	}
	r := Row{
		"id": name, "type": typ, "name": name, "pool": pool, "encrypted": encrypted,
		"encryption_root": nil, "key_loaded": encrypted, "children": []any{},
		"used": bytesProp(used), "available": bytesProp(avail),
		"compressratio": prop(ratio+"x", ratio, ratio, "NONE"),
		"compression":   prop("LZ4", "lz4", "lz4", "INHERITED"),
		"mountpoint":    "/mnt/" + name, "readonly": prop("OFF", "off", false, "DEFAULT"),
		"encryption_algorithm": prop("off", "off", "off", "DEFAULT"),
	}
	if encrypted {
		r["encryption_root"] = name
		r["encryption_algorithm"] = prop("AES-256-GCM", "aes-256-gcm", "aes-256-gcm", "LOCAL")
	}
	if quota > 0 {
		r["quota"] = bytesProp(quota)
	} else {
		r["quota"] = prop("none", "0", nil, "DEFAULT")
	}
	if typ == "VOLUME" {
		r["volsize"] = bytesProp(quota)
		r["mountpoint"] = nil
	}
	return r
}

func snapshot(ds, name string, at time.Time, used, referenced int64, holds int) Row {
	id := ds + "@" + name
	pool := ds
	for i := range ds {
		if ds[i] == '/' {
			pool = ds[:i]
			break
		}
	}
	h := Row{}
	if holds > 0 {
		h["pulse-replication"] = date(at)
	}
	return Row{
		"id": id, "name": id, "pool": pool, "type": "SNAPSHOT", "snapshot_name": name, "dataset": ds,
		"createtxg": fmt.Sprint(100000 + at.Unix()%100000),
		"properties": Row{
			"creation":   prop(at.Format("Mon Jan 2 15:04 2006"), fmt.Sprint(at.Unix()), date(at), "NONE"),
			"used":       bytesProp(used),
			"referenced": bytesProp(referenced),
			"userrefs":   prop(fmt.Sprint(holds), fmt.Sprint(holds), fmt.Sprint(holds), "NONE"),
		},
		"holds": h, "retention": nil,
	}
}

func smartResult(disk string, statuses ...string) Row {
	var tests []any
	for i, st := range statuses {
		verbose := "Completed without error"
		var lba any
		if st == "FAILED" {
			verbose = "Completed: read failure"
			lba = 123456789
		}
		tests = append(tests, Row{"num": i + 1, "description": "Short offline", "status": st, "status_verbose": verbose,
			"segment_number": nil, "remaining": 0, "lifetime": 16500 - i*24, "lba_of_first_error": lba, "power_on_hours_ago": i * 24})
	}
	return Row{"disk": disk, "tests": tests, "current_test": nil}
}

func app(name, state, version, latest, image string, port int, upgrade bool, containerState string) Row {
	var ports []any
	if port > 0 {
		ports = []any{Row{"container_port": port, "protocol": "tcp", "host_ports": []any{Row{"host_port": port, "host_ip": "0.0.0.0"}}}}
	}
	containers := []any{}
	if containerState != "" {
		containers = append(containers, Row{"id": fmt.Sprintf("%x", len(name)*104729+port), "service_name": name, "image": image,
			"port_config": ports, "state": containerState, "volume_mounts": []any{}})
	}
	if ports == nil {
		ports = []any{}
	}
	return Row{
		"name": name, "id": name, "state": state, "upgrade_available": upgrade, "latest_version": latest,
		"image_updates_available": false, "custom_app": false, "migrated": false,
		"human_version": version + "_" + version, "version": version,
		"metadata": Row{"name": name, "train": "stable", "app_version": version, "title": name},
		"active_workloads": Row{"containers": len(containers), "used_ports": ports, "container_details": containers,
			"volumes": []any{}, "images": []any{image}, "networks": []any{}},
		"notes": nil, "portals": Row{},
	}
}

func alert(uuid, klass, level, text string, args Row, at time.Time, dismissed bool) Row {
	return Row{
		"uuid": uuid, "id": uuid, "source": "", "klass": klass, "args": args, "node": "Controller A",
		"key": fmt.Sprintf("%v", args), "datetime": date(at), "last_occurrence": date(at),
		"dismissed": dismissed, "mail": nil, "text": text, "level": level, "formatted": text, "one_shot": false,
	}
}

func defaultModel(m *Model, s Spec) {
	e := s.Epoch
	hdd := func(name, serial, lunid string) Row {
		return disk(name, serial, "ST12000VN0008-2YS101", "HDD", "ATA", 12000138625024, 7200, lunid)
	}
	m.Disks = []Row{
		hdd("sda", "ZL2A1B01", "5000c500a1b2c301"),
		hdd("sdb", "ZL2A1B02", "5000c500a1b2c302"),
		hdd("sdc", "ZL2A1B03", "5000c500a1b2c303"),
		hdd("sdd", "ZL2A1B04", "5000c500a1b2c304"),
		disk("nvme0n1", "S6B0NL0T100001", "Samsung SSD 980 PRO 1TB", "SSD", "NVME", 1000204886016, nil, "eui.002538b111b00001"),
		disk("nvme1n1", "S6B0NL0T100002", "Samsung SSD 980 PRO 1TB", "SSD", "NVME", 1000204886016, nil, "eui.002538b111b00002"),
		disk("sde", "BTWA0001SPARE", "INTEL SSDSC2KB480G8", "SSD", "ATA", 480103981056, nil, ""),
	}
	for _, d := range []string{"sda", "sdb", "sdc", "sdd"} {
		m.DiskPools[d] = "tank"
	}
	m.DiskPools["nvme0n1"], m.DiskPools["nvme1n1"] = "fast", "fast"
	m.Temperatures = map[string]float64{"sda": 38, "sdb": 57, "sdc": 41, "sdd": 39, "nvme0n1": 48, "nvme1n1": 51, "sde": 31}
	m.Pools = []Row{
		pool(1, "tank", "11903423561783049712", "DEGRADED",
			"One or more devices are faulted in response to persistent errors. Sufficient replicas exist for the pool to continue functioning in a degraded state.",
			43*tib, 26*tib, "9", scan("SCRUB", "FINISHED", e.Add(-6*24*time.Hour), e.Add(-6*24*time.Hour+7*time.Hour), 0, 100),
			[]any{Row{"name": "raidz1-0", "type": "RAIDZ1", "path": nil, "guid": "g-raidz1-0", "status": "DEGRADED",
				"stats":    Row{"read_errors": 0, "write_errors": 0, "checksum_errors": 0},
				"children": []any{vdevDisk("sda", "ONLINE", 0), vdevDisk("sdb", "ONLINE", 0), vdevDisk("sdc", "FAULTED", 27), vdevDisk("sdd", "ONLINE", 0)}}}),
		pool(2, "fast", "5524198340055871234", "ONLINE", "", 928*gib, 310*gib, "2",
			scan("SCRUB", "FINISHED", e.Add(-2*24*time.Hour), e.Add(-2*24*time.Hour+20*time.Minute), 0, 100),
			[]any{Row{"name": "mirror-0", "type": "MIRROR", "path": nil, "guid": "g-mirror-0", "status": "ONLINE",
				"stats":    Row{"read_errors": 0, "write_errors": 0, "checksum_errors": 0},
				"children": []any{vdevDisk("nvme0n1", "ONLINE", 0), vdevDisk("nvme1n1", "ONLINE", 0)}}}),
	}
	m.Datasets = []Row{
		dataset("tank", "FILESYSTEM", 26*tib, 11*tib, 0, "1.08", false),
		dataset("tank/media", "FILESYSTEM", 19*tib, 11*tib, 0, "1.01", false),
		dataset("tank/media/movies", "FILESYSTEM", 14*tib, 11*tib, 0, "1.00", false),
		dataset("tank/backups", "FILESYSTEM", 5*tib, 11*tib, 8*tib, "1.42", true),
		dataset("tank/backups/laptops", "FILESYSTEM", 3*tib, 11*tib, 0, "1.51", true),
		dataset("tank/backups/laptops/alice", "FILESYSTEM", tib, 11*tib, 0, "1.48", true),
		dataset("tank/home", "FILESYSTEM", 900*gib, 11*tib, 2*tib, "1.63", false),
		dataset("tank/.system", "FILESYSTEM", 2*gib, 11*tib, 0, "2.10", false),
		dataset("fast", "FILESYSTEM", 310*gib, 590*gib, 0, "1.35", false),
		dataset("fast/ix-apps", "FILESYSTEM", 80*gib, 590*gib, 0, "1.90", false),
		dataset("fast/ix-apps/app_mounts", "FILESYSTEM", 60*gib, 590*gib, 0, "1.70", false),
		dataset("fast/vms", "FILESYSTEM", 200*gib, 590*gib, 0, "1.20", false),
		dataset("fast/vms/win11", "VOLUME", 120*gib, 590*gib, 128*gib, "1.15", false),
	}
	for i := range 3 {
		at := e.Add(-time.Duration(i+1) * 24 * time.Hour)
		stamp := at.Format("2006-01-02_15-04")
		m.Snapshots = append(m.Snapshots,
			snapshot("tank/media", "auto-"+stamp, at, int64(i+1)*512<<20, 19*tib, 0),
			snapshot("tank/backups", "auto-"+stamp, at, int64(i+1)*256<<20, 5*tib, 0),
			snapshot("tank/backups/laptops/alice", "auto-"+stamp, at, 64<<20, tib, 0),
			snapshot("fast/vms/win11", "auto-"+stamp, at, 2*gib, 120*gib, 0),
		)
	}
	m.Snapshots = append(m.Snapshots, snapshot("tank/home", "before-upgrade", e.Add(-10*24*time.Hour), 3*gib, 880*gib, 1))
	m.SMART = []Row{
		smartResult("sda", "SUCCESS", "SUCCESS"), smartResult("sdb", "SUCCESS"),
		smartResult("sdc", "FAILED", "SUCCESS"), smartResult("sdd", "SUCCESS"),
		smartResult("nvme0n1", "SUCCESS"), smartResult("nvme1n1", "SUCCESS"),
	}
	m.Replications = []Row{
		{"id": 1, "name": "tank/media - offsite:backup/media", "direction": "PUSH", "transport": "SSH",
			"source_datasets": []any{"tank/media"}, "target_dataset": "backup/media", "recursive": true,
			"auto": true, "enabled": true,
			"state": Row{"state": "ERROR", "datetime": date(e.Add(-3 * time.Hour)),
				"error": "ssh: connect to host offsite.example port 22: Connection timed out", "last_snapshot": "tank/media@auto-" + e.Add(-48*time.Hour).Format("2006-01-02_15-04")},
			"job": nil},
		{"id": 2, "name": "tank/backups - offsite:backup/backups", "direction": "PUSH", "transport": "SSH",
			"source_datasets": []any{"tank/backups"}, "target_dataset": "backup/backups", "recursive": true,
			"auto": true, "enabled": true,
			"state": Row{"state": "FINISHED", "datetime": date(e.Add(-23 * time.Hour)), "error": nil,
				"last_snapshot": "tank/backups@auto-" + e.Add(-24*time.Hour).Format("2006-01-02_15-04")},
			"job": nil},
	}
	m.CloudSyncs = []Row{
		{"id": 1, "description": "Photos to B2", "path": "/mnt/tank/media", "direction": "PUSH", "transfer_mode": "SYNC",
			"enabled": true, "locked": false,
			"job": Row{"id": 41, "method": "cloudsync.sync", "state": "SUCCESS", "error": nil,
				"time_started": date(e.Add(-5 * time.Hour)), "time_finished": date(e.Add(-4 * time.Hour)),
				"progress": Row{"percent": 100, "description": "", "extra": nil}}},
	}
	m.Alerts = []Row{
		alert("0b9d8c41-aaaa-4b5c-9c1e-000000000001", "VolumeStatus", "CRITICAL",
			"Pool tank state is DEGRADED: One or more devices are faulted in response to persistent errors.",
			Row{"volume": "tank", "state": "DEGRADED", "status": "One or more devices are faulted"}, e.Add(-2*time.Hour), false),
		alert("0b9d8c41-aaaa-4b5c-9c1e-000000000002", "SMART", "CRITICAL",
			"Device: /dev/sdc [SAT], Self-Test Log error count increased from 0 to 1.",
			Row{"device": "/dev/sdc", "message": "Self-Test Log error count increased from 0 to 1"}, e.Add(-90*time.Minute), false),
		alert("0b9d8c41-aaaa-4b5c-9c1e-000000000003", "ReplicationFailed", "CRITICAL",
			"Replication \"tank/media - offsite:backup/media\" failed: ssh: connect to host offsite.example port 22: Connection timed out.",
			Row{"name": "tank/media - offsite:backup/media", "message": "ssh: connect to host offsite.example port 22: Connection timed out"}, e.Add(-3*time.Hour), false),
		alert("0b9d8c41-aaaa-4b5c-9c1e-000000000004", "NTPHealthCheck", "WARNING",
			"NTP health check failed - No Active NTP peers.", Row{"reason": "No Active NTP peers"}, e.Add(-30*24*time.Hour), true),
		alert("0b9d8c41-aaaa-4b5c-9c1e-000000000005", "HasUpdate", "INFO",
			"A system update is available. Go to System Settings → Update to download and apply the update.", Row{}, e.Add(-12*time.Hour), false),
	}
	m.Apps = []Row{
		app("plex", "RUNNING", "1.41.3", "1.41.3", "plexinc/pms-docker:1.41.3", 32400, false, "running"),
		app("nextcloud", "RUNNING", "30.0.2", "30.0.4", "nextcloud:30.0.2", 9001, true, "running"),
		app("home-assistant", "STOPPED", "2024.11.1", "2024.11.1", "homeassistant/home-assistant:2024.11.1", 8123, false, ""),
		app("immich", "CRASHED", "1.120.0", "1.120.0", "ghcr.io/immich-app/immich-server:v1.120.0", 2283, false, "exited"),
	}
}

func largeModel(m *Model, s Spec) {
	e := s.Epoch
	n := 0
	for p := range s.Pools {
		name := fmt.Sprintf("pool%02d", p)
		var kids []any
		for d := range s.DisksPerPool {
			dn := fmt.Sprintf("sd%c%c", 'a'+n/26, 'a'+n%26)
			m.Disks = append(m.Disks, disk(dn, fmt.Sprintf("ZL2B%05d", n), "ST16000NM001G", "HDD", "ATA", 16*tib, 7200, fmt.Sprintf("5000c500b0%06d", n)))
			m.DiskPools[dn] = name
			m.Temperatures[dn] = float64(30 + (n*7)%20)
			m.SMART = append(m.SMART, smartResult(dn, "SUCCESS"))
			kids = append(kids, vdevDisk(dn, "ONLINE", 0))
			n++
			_ = d
		}
		m.Pools = append(m.Pools, pool(p+1, name, fmt.Sprintf("%d", 7000000000+p), "ONLINE", "", int64(s.DisksPerPool)*14*tib, int64(s.DisksPerPool)*6*tib, "5",
			scan("SCRUB", "FINISHED", e.Add(-72*time.Hour), e.Add(-60*time.Hour), 0, 100),
			[]any{Row{"name": "raidz2-0", "type": "RAIDZ2", "path": nil, "guid": "g-" + name, "status": "ONLINE",
				"stats": Row{"read_errors": 0, "write_errors": 0, "checksum_errors": 0}, "children": kids}}))
		m.Datasets = append(m.Datasets, dataset(name, "FILESYSTEM", 6*tib, 8*tib, 0, "1.10", false))
	}
	// Datasets: per pool, groups of 1 + 9 children (pool/gNNN, pool/gNNN/dM).
	var names []string
	for i := 0; len(m.Datasets) < s.Datasets; i++ {
		pool := fmt.Sprintf("pool%02d", i%s.Pools)
		g := fmt.Sprintf("%s/g%04d", pool, i)
		m.Datasets = append(m.Datasets, dataset(g, "FILESYSTEM", 200*gib, 8*tib, 0, "1.20", i%4 == 0))
		names = append(names, g)
		for d := 0; d < 9 && len(m.Datasets) < s.Datasets; d++ {
			c := fmt.Sprintf("%s/d%d", g, d)
			m.Datasets = append(m.Datasets, dataset(c, "FILESYSTEM", 20*gib, 8*tib, 0, "1.30", i%4 == 0))
			names = append(names, c)
		}
	}
	for i := range s.Snapshots {
		ds := names[i%len(names)]
		at := e.Add(-time.Duration(i/len(names)+1) * time.Hour)
		m.Snapshots = append(m.Snapshots, snapshot(ds, "auto-"+at.Format("2006-01-02_15-04"), at, 128<<20, 20*gib, 0))
	}
	for i := range s.Apps {
		m.Apps = append(m.Apps, app(fmt.Sprintf("app-%03d", i), "RUNNING", "1.0.0", "1.0.0", fmt.Sprintf("example/app%03d:1.0.0", i), 20000+i, false, "running"))
	}
	m.Replications = []Row{{"id": 1, "name": "pool00 offsite", "direction": "PUSH", "transport": "SSH",
		"source_datasets": []any{"pool00"}, "target_dataset": "backup/pool00", "recursive": true, "auto": true, "enabled": true,
		"state": Row{"state": "FINISHED", "datetime": date(e.Add(-time.Hour)), "error": nil, "last_snapshot": nil}, "job": nil}}
	m.CloudSyncs = []Row{}
	m.Alerts = []Row{}
}
