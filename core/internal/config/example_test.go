package config_test

import (
	"fmt"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// The two phases: Parse checks what the core owns; Decode checks the rest
// against the schema the platform's plugin declares.
func ExampleParse() {
	cfg, err := config.Parse("testdata/dup/a.hcl")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := cfg.Connections[0]
	fmt.Println(c, c.PollInterval, c.Timeout, c.Enabled)

	schema := sdk.Schema{{Name: "endpoints", Type: sdk.TypeStringList, Required: true}}
	raw, err := c.Decode(schema)
	fmt.Println(string(raw), err)
	// Output:
	// connection "proxmox-pve" "lab" (testdata/dup/a.hcl:1:1) 30s 10s true
	// {"endpoints":["https://pve1.lab:8006"]} <nil>
}

// Every diagnostic says where, what is wrong and what would be right.
func ExampleParseBytes() {
	_, err := config.ParseBytes("pulse.hcl", []byte(`connection "proxmox-pve" "lab" {
  poll_interval = "5x"
}
connection "docker" "host" {}
`))
	fmt.Println(err)
	// Output:
	// pulse.hcl:2:19: poll_interval "5x" is not a duration: write a number with a unit, e.g. "30s" or "5m" (units: ms, s, m, h)
	// pulse.hcl:4:12: platform "docker" is onboarded through the install-workspace (pulse-agent), not a connection block: valid platform ids for a connection block are: proxmox-pbs, proxmox-pmg, proxmox-pve, truenas, vmware-vsphere
}

// Redacted is what the CLI and the API may show.
func ExampleConnection_Redacted() {
	cfg, _ := config.ParseBytes("pulse.hcl", []byte(`connection "proxmox-pmg" "mail" {
  endpoint = "https://pmg.lab:8006"
  password = "hunter2"
}
`))
	schema := sdk.Schema{
		{Name: "endpoint", Type: sdk.TypeString, Required: true},
		{Name: "password", Type: sdk.TypeString, Sensitive: true},
	}
	fmt.Println(cfg.Connections[0].Redacted(schema))
	// Output:
	// map[enabled:true endpoint:https://pmg.lab:8006 password:(sensitive) poll_interval:30s timeout:10s]
}
