package config

import (
	"testing"
	"time"
)

// TestAlertSettingsFilled: settings built in code get the defaults for
// what they leave unset (a zero interval would stop the alerts runner),
// and keep what they set.
func TestAlertSettingsFilled(t *testing.T) {
	got := AlertSettings{}.Filled()
	want := DefaultAlertSettings
	want.Defaults = false
	if got != want {
		t.Fatalf("Filled() of zero settings = %+v, want %+v", got, want)
	}
	set := AlertSettings{Interval: 3 * time.Second, ConnectionFailures: 7, Defaults: true}.Filled()
	if set.Interval != 3*time.Second || set.ConnectionFailures != 7 || !set.Defaults || set.StaleAfter != DefaultAlertSettings.StaleAfter {
		t.Fatalf("Filled() changed set values or missed unset ones: %+v", set)
	}
}
