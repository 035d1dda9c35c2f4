package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// `pulse poll --timings` and `pulse poll -v` print every phase with its
// duration on stderr and leave the JSON document on stdout intact.
func TestPollTimings(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_TEST_SECRET", "s3cret-value")
	cfg := labConfig(t, dir, "127.0.0.1:0", "outside")
	for _, flag := range []string{"--timings", "-v"} {
		t.Run(flag, func(t *testing.T) {
			code, out, errOut := pulse(t, dir, "poll", flag, "--config", cfg, "mail")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("stdout is not the document: %v\n%s", err, out)
			}
			if !strings.Contains(errOut, "pulse poll proxmox-pmg/mail: timings") {
				t.Fatalf("no timings header on stderr:\n%s", errOut)
			}
			for _, p := range append(pollPhases, "other", "total") {
				re := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(p) + `\s+\d+\.\d ms`)
				if !re.MatchString(errOut) {
					t.Errorf("phase %q missing or without a duration:\n%s", p, errOut)
				}
			}
			if !strings.Contains(errOut, "3 resources, 3 metrics checked against the declaration and the model; 2 rejected") {
				t.Errorf("validate line does not count the records:\n%s", errOut)
			}
		})
	}
	// Without either flag nothing but the document.
	code, _, errOut := pulse(t, dir, "poll", "--config", cfg, "mail")
	if code != 0 || strings.Contains(errOut, "timings") {
		t.Errorf("plain poll: exit %d, stderr %q", code, errOut)
	}
}

func TestPollTimingsNil(t *testing.T) {
	var tm *pollTimings
	tm.add("collect", 1, "x") // must not panic
	var b strings.Builder
	tm.write(&b, "x/y")
	if b.Len() != 0 {
		t.Errorf("nil timings wrote %q", b.String())
	}
}
