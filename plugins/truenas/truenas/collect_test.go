package truenas_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
	"github.com/pulsehost/pulse/plugins/truenas/truenas"
)

// TestCollectGolden runs Check and Collect against both API versions
// through real gRPC and compares the records with testdata/.
func TestCollectGolden(t *testing.T) {
	for _, v := range []string{"25.04.2", "25.10.1"} {
		t.Run(v, func(t *testing.T) {
			l := newLab(t, faketruenas.Spec{Version: v}, faketruenas.Options{}, truenas.Options{})
			l.configure(nil)
			rep, err := l.client.Check(context.Background(), "nas")
			if err != nil || !rep.OK() {
				t.Fatalf("check: %v %+v", err, rep)
			}
			if rep.EndpointVersion != v {
				t.Errorf("endpoint version %q, want %q", rep.EndpointVersion, v)
			}
			snap := l.mustCollect()
			sdktest.Golden(t, "collect_"+v+".json", toReadable(snap))
			sdktest.Golden(t, "check_"+v+".json", rep)
			method := "pool.snapshot.query"
			other := "zfs.snapshot.query"
			if v == "25.04.2" {
				method, other = other, method
			}
			if l.fake.Calls(method) == 0 || l.fake.Calls(other) != 0 {
				t.Errorf("version %s: %s called %d times, %s %d times; the adapter must ask the version, not try both",
					v, method, l.fake.Calls(method), other, l.fake.Calls(other))
			}
		})
	}
}

// TestDefaultModelConditions checks the row's required conditions: a
// degraded pool, a faulted disk, a failed SMART test, a hot disk, a failed
// replication, a crashed app, and a dismissed alert that is not active.
func TestDefaultModelConditions(t *testing.T) {
	l := newLab(t, faketruenas.Spec{}, faketruenas.Options{}, truenas.Options{})
	l.configure(nil)
	snap := l.mustCollect()
	kinds := alertKinds(snap)
	want := map[string]string{
		"pool-degraded/tank": "pool-degraded|warning|pool/tank",
		"disk-faulted/{serial_lunid}ZL2A1B03_5000c500a1b2c303":      "disk-faulted|critical|disk/{serial_lunid}ZL2A1B03_5000c500a1b2c303",
		"disk-smart-failed/{serial_lunid}ZL2A1B03_5000c500a1b2c303": "disk-smart-failed|critical|disk/{serial_lunid}ZL2A1B03_5000c500a1b2c303",
		"disk-temperature/{serial_lunid}ZL2A1B02_5000c500a1b2c302":  "disk-temperature-high|warning|disk/{serial_lunid}ZL2A1B02_5000c500a1b2c302",
		"replication-failed/1":                               "replication-failed|critical|dataset/tank/media",
		"app-crashed/immich":                                 "app-crashed|critical|app/immich",
		"truenas-alert/0b9d8c41-aaaa-4b5c-9c1e-000000000001": "truenas:VolumeStatus|critical|pool/tank",
	}
	for id, w := range want {
		if kinds[id] != w {
			t.Errorf("alert %s = %q, want %q", id, kinds[id], w)
		}
	}
	if _, ok := kinds["truenas-alert/0b9d8c41-aaaa-4b5c-9c1e-000000000004"]; ok {
		t.Error("the dismissed NTP alert is reported as active")
	}
	// NVMe at 51 °C is under its 70 °C limit.
	for id := range kinds {
		if strings.Contains(id, "disk-temperature/") && strings.Contains(id, "S6B0") {
			t.Errorf("NVMe disk alerted at a normal temperature: %s", id)
		}
	}
	if r := find(snap, "pool/tank"); r == nil || r.Status != "degraded" {
		t.Errorf("pool tank: %+v", r)
	}
	if r := find(snap, "disk/{serial_lunid}ZL2A1B03_5000c500a1b2c303"); r == nil || r.Status != "offline" {
		t.Errorf("faulted disk sdc: %+v", r)
	}
	// Internal datasets are not projected; depth 2 stops at tank/backups/laptops.
	for _, id := range []string{"dataset/tank/.system", "dataset/fast/ix-apps", "dataset/tank/backups/laptops/alice", "dataset/tank"} {
		if find(snap, id) != nil {
			t.Errorf("%s is projected; it should not be", id)
		}
	}
	// alice's snapshots attach to the nearest projected ancestor.
	var rpFound bool
	for _, rp := range snap.RecoveryPoints {
		if strings.HasPrefix(rp.NativeId, "snapshot/tank/backups/laptops/alice@") {
			rpFound = true
			if rp.Resource != "dataset/tank/backups/laptops" || rp.Kind != "snapshot" || rp.TimeMs == 0 {
				t.Errorf("alice snapshot: %+v", rp)
			}
		}
	}
	if !rpFound {
		t.Error("no snapshot of tank/backups/laptops/alice")
	}
	var failed bool
	for _, rp := range snap.RecoveryPoints {
		if rp.NativeId == "replication/1/tank/media" {
			var a map[string]any
			_ = json.Unmarshal(rp.Attributes, &a)
			failed = a["state"] == "error" && strings.Contains(a["error"].(string), "Connection timed out")
		}
	}
	if !failed {
		t.Error("the failed replication is not visible as a recovery point in state error")
	}
}
