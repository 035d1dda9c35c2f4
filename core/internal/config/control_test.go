package config

import (
	"strings"
	"testing"
	"time"
)

const controlConns = `
connection "truenas" "nas" {
  endpoint = "wss://nas/api/current"
}
connection "proxmox-pve" "lab" {
  endpoints = ["https://pve:8006"]
}
`

func TestControlDefaultsOff(t *testing.T) {
	cfg, err := ParseBytes("a.hcl", []byte(controlConns))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Control.Enabled || cfg.Control.Range != nil || cfg.Control.Timeout != DefaultControlTimeout {
		t.Fatalf("control without a block: %+v", cfg.Control)
	}
	ok, why := cfg.Control.Allows("truenas", "nas", "restart")
	if ok || !strings.Contains(why, "control { enabled = true }") {
		t.Fatalf("allowed=%v why=%q", ok, why)
	}
}

func TestControlNarrowed(t *testing.T) {
	cfg, err := ParseBytes("a.hcl", []byte(controlConns+`
control {
  enabled = true
  timeout = "45s"
  connection "truenas" "nas" {
    actions = ["start", "restart"]
  }
}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Control
	if !c.Enabled || c.Timeout != 45*time.Second {
		t.Fatalf("%+v", c)
	}
	for _, tc := range []struct {
		platform, conn, action string
		ok                     bool
		why                    string
	}{
		{"truenas", "nas", "restart", true, ""},
		{"truenas", "nas", "stop", false, `a.hcl:12:3 allows only start, restart on truenas/nas, not "stop"`},
		{"proxmox-pve", "lab", "anything", true, ""}, // not narrowed: the plugin's declaration decides
	} {
		ok, why := c.Allows(tc.platform, tc.conn, tc.action)
		if ok != tc.ok || !strings.Contains(why, tc.why) {
			t.Errorf("%s/%s %s: ok=%v why=%q", tc.platform, tc.conn, tc.action, ok, why)
		}
	}
}

func TestControlDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		wants     []want
	}{
		{"second block", `control { enabled = true }
control { enabled = false }`, []want{{"a.hcl:2:1", []string{"a second control block", "a.hcl:1:1"}}}},
		{"unknown attribute", `control { enable = true }`, []want{{"a.hcl:1:11", []string{`unknown attribute "enable"`, `did you mean "enabled"`}}}},
		{"enabled not bool", `control { enabled = "yes" }`, []want{{"a.hcl:1:21", []string{"enabled must be true or false"}}}},
		{"timeout", `control { timeout = "2h" }`, []want{{"a.hcl:1:21", []string{"control timeout \"2h\" is out of range", "at most 30m0s"}}}},
		{"unknown connection", `control {
  connection "truenas" "nas9" { actions = ["restart"] }
}`, []want{{"a.hcl:2:3", []string{"control names connection truenas/nas9, which no connection block defines", "truenas/nas", "proxmox-pve/lab"}}}},
		{"no actions", `control {
  connection "truenas" "nas" {}
}`, []want{{"a.hcl:2:3", []string{"has no actions", `actions = ["restart"]`}}}},
		{"bad action names", `control {
  connection "truenas" "nas" { actions = ["Restart", "stop", "stop"] }
}`, []want{{"a.hcl:2:42", []string{`action "Restart" is not an action name`}}, {"a.hcl:2:42", []string{`action "stop" is listed twice`}}}},
		{"actions not a list", `control {
  connection "truenas" "nas" { actions = "restart" }
}`, []want{{"a.hcl:2:42", []string{"actions must be a list of strings"}}}},
		{"duplicate connection", `control {
  connection "truenas" "nas" { actions = ["start"] }
  connection "truenas" "nas" { actions = ["stop"] }
}`, []want{{"a.hcl:3:3", []string{"a second control block for connection truenas/nas", "a.hcl:2:3"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src + "\n" + controlConns
			_, err := ParseBytes("a.hcl", []byte(src))
			checkDiags(t, err, tc.wants)
		})
	}
}
