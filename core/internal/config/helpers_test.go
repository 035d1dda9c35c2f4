package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// want is one expected diagnostic: its exact "file:line:col" (or just
// "file" for a problem with a whole file) and phrases its text must hold.
type want struct {
	pos string
	has []string
}

// checkDiags asserts err is a *Diagnostics holding exactly wants, in order.
func checkDiags(t *testing.T, err error, wants []want) {
	t.Helper()
	var ds *Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("error %v (%T) is not a *Diagnostics", err, err)
	}
	if len(*ds) != len(wants) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(*ds), len(wants), ds.Error())
	}
	for i, d := range *ds {
		w := wants[i]
		got := fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column)
		if d.Line == 0 {
			got = d.File // a whole file: no position
		}
		if got != w.pos {
			t.Errorf("diagnostic %d at %s, want %s: %s", i, got, w.pos, d)
		}
		if d.Severity != SeverityError {
			t.Errorf("diagnostic %d severity %q, want error", i, d.Severity)
		}
		line := d.String()
		if !strings.HasPrefix(line, w.pos+": ") {
			t.Errorf("diagnostic %d line %q does not start with %q", i, line, w.pos+": ")
		}
		for _, h := range w.has {
			if !strings.Contains(line, h) {
				t.Errorf("diagnostic %d %q lacks %q", i, line, h)
			}
		}
	}
}

// validIDs are phrases every "not a connectable platform" message holds.
var validIDs = []string{"valid platform ids for a connection block are:", "proxmox-pve", "proxmox-pbs", "truenas"}

// asDiags is errors.As for *Diagnostics.
func asDiags(err error, ds **Diagnostics) bool { return errors.As(err, ds) }
