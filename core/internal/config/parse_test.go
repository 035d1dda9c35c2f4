package config

import (
	"testing"
	"time"
)

// TestParseDiagnostics checks phase one: each source yields exactly these
// diagnostics at exactly these positions.
func TestParseDiagnostics(t *testing.T) {
	t.Setenv("PULSE_TEST_EMPTY", "")
	fp := "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"syntax error", "server {\n  listen = \n}\n",
			[]want{{"t.hcl:2:12", []string{"Invalid expression"}}}},
		{"missing label", "connection \"proxmox-pve\" {\n}\n",
			[]want{{"t.hcl:1:26", []string{"must have 2 labels (platform, name)"}}}},
		{"unknown platform id", `connection "nope" "a" {}`,
			[]want{{"t.hcl:1:12", append([]string{`unknown platform id "nope"`}, validIDs...)}}},
		{"alias suggests the governed id", `connection "pve" "a" {}`,
			[]want{{"t.hcl:1:12", append([]string{`unknown platform id "pve"`, `did you mean "proxmox-pve"?`}, validIDs...)}}},
		{"presentation-only id", `connection "aws" "a" {}`,
			[]want{{"t.hcl:1:12", append([]string{`"aws" is presentation-only`}, validIDs...)}}},
		{"agent-backed id", `connection "docker" "a" {}`,
			[]want{{"t.hcl:1:12", append([]string{`"docker" is onboarded through`, "pulse-agent"}, validIDs...)}}},
		{"invalid name", `connection "proxmox-pve" "Lab One" {}`,
			[]want{{"t.hcl:1:26", []string{`connection name "Lab One" is not valid`, `e.g. "lab-one"`}}}},
		{"empty name", `connection "proxmox-pve" "" {}`,
			[]want{{"t.hcl:1:26", []string{`connection name "" is not valid`, "1 to 63 characters"}}}},
		{"duplicate name, same platform", `connection "proxmox-pve" "lab" {}
connection "proxmox-pbs" "lab" {}
connection "proxmox-pve" "lab" {}
`, []want{{"t.hcl:3:26", []string{`connection "proxmox-pve" "lab" is defined twice`, "the first is at t.hcl:1:26"}}}},
		{"bad duration", "connection \"proxmox-pve\" \"a\" {\n  poll_interval = \"5x\"\n}\n",
			[]want{{"t.hcl:2:19", []string{`poll_interval "5x" is not a duration`, `e.g. "30s" or "5m"`}}}},
		{"duration without quotes", "connection \"proxmox-pve\" \"a\" {\n  poll_interval = 30\n}\n",
			[]want{{"t.hcl:2:19", []string{"poll_interval must be a duration string", "got 30", `"30s"`}}}},
		{"poll interval below minimum", "connection \"proxmox-pve\" \"a\" {\n  poll_interval = \"500ms\"\n}\n",
			[]want{{"t.hcl:2:19", []string{`poll_interval "500ms" is shorter than the minimum of 1s`}}}},
		{"timeout above poll interval", "connection \"proxmox-pve\" \"a\" {\n  poll_interval = \"30s\"\n  timeout       = \"1m\"\n}\n",
			[]want{{"t.hcl:3:19", []string{`timeout "1m" is longer than poll_interval "30s"`, "lower timeout or raise poll_interval"}}}},
		{"poll interval below default timeout", "connection \"proxmox-pve\" \"a\" {\n  poll_interval = \"5s\"\n}\n",
			[]want{{"t.hcl:2:19", []string{`poll_interval "5s" is shorter than the default timeout "10s"`, `set timeout to at most "5s"`}}}},
		{"zero timeout", "connection \"proxmox-pve\" \"a\" {\n  timeout = \"0s\"\n}\n",
			[]want{{"t.hcl:2:13", []string{`timeout "0s" must be more than zero`}}}},
		{"enabled not a bool", "connection \"proxmox-pve\" \"a\" {\n  enabled = \"maybe\"\n}\n",
			[]want{{"t.hcl:2:13", []string{"enabled must be true or false", `got "maybe"`}}}},
		{"unset env var", "connection \"proxmox-pve\" \"a\" {\n  token_secret = env(\"PULSE_TEST_SURELY_UNSET\")\n}\n",
			[]want{{"t.hcl:2:18", []string{"environment variable PULSE_TEST_SURELY_UNSET is not set or is empty", "export PULSE_TEST_SURELY_UNSET"}}}},
		{"empty env var", "connection \"proxmox-pve\" \"a\" {\n  token_secret = env(\"PULSE_TEST_EMPTY\")\n}\n",
			[]want{{"t.hcl:2:18", []string{"environment variable PULSE_TEST_EMPTY is not set or is empty"}}}},
		{"missing file", "connection \"proxmox-pve\" \"a\" {\n  password = file(\"missing.txt\")\n}\n",
			[]want{{"t.hcl:2:14", []string{`file "missing.txt" cannot be read`, "relative to the configuration file"}}}},
		{"unknown function", "connection \"proxmox-pve\" \"a\" {\n  x = upper(\"a\")\n}\n",
			[]want{{"t.hcl:2:7", []string{`There is no function named "upper"`}}}},
		{"no variables", "connection \"proxmox-pve\" \"a\" {\n  x = var.y\n}\n",
			[]want{{"t.hcl:2:7", []string{"Variables not allowed"}}}},
		{"unknown block in connection", "connection \"proxmox-pve\" \"a\" {\n  retry {}\n}\n",
			[]want{{"t.hcl:2:3", []string{`unknown block "retry" in connection "proxmox-pve" "a"`, "valid blocks are: tls"}}}},
		{"common attribute written as block", "connection \"proxmox-pve\" \"a\" {\n  timeout {}\n}\n",
			[]want{{"t.hcl:2:3", []string{`unknown block "timeout"`, "valid blocks are: tls"}}}},
		{"tls written as attribute", "connection \"proxmox-pve\" \"a\" {\n  tls = {}\n}\n",
			[]want{{"t.hcl:2:3", []string{"tls is a block, not an attribute", `write tls { ... } without "="`}}}},
		{"unknown tls attribute", "connection \"proxmox-pve\" \"a\" {\n  tls {\n    ca_fil = \"ca.pem\"\n  }\n}\n",
			[]want{{"t.hcl:3:5", []string{`unknown attribute "ca_fil" in the tls block`, `did you mean "ca_file"?`, "valid attributes are: ca_file, fingerprint, insecure_skip_verify"}}}},
		{"two tls blocks", "connection \"proxmox-pve\" \"a\" {\n  tls {}\n  tls {}\n}\n",
			[]want{{"t.hcl:3:3", []string{"a second tls block", "the first is at t.hcl:2:3"}}}},
		{"ca_file with insecure_skip_verify", "connection \"proxmox-pve\" \"a\" {\n  tls {\n    ca_file              = \"missing-ca.pem\"\n    insecure_skip_verify = true\n  }\n}\n",
			[]want{
				{"t.hcl:3:28", []string{`tls ca_file "missing-ca.pem" cannot be read`, "no such file"}},
				{"t.hcl:4:28", []string{"insecure_skip_verify = true conflicts with ca_file"}},
			}},
		{"fingerprint with insecure_skip_verify", "connection \"proxmox-pve\" \"a\" {\n  tls {\n    fingerprint          = \"" + fp + "\"\n    insecure_skip_verify = true\n  }\n}\n",
			[]want{{"t.hcl:4:28", []string{"insecure_skip_verify = true conflicts with fingerprint"}}}},
		{"empty ca_file", "connection \"proxmox-pve\" \"a\" {\n  tls { ca_file = \"\" }\n}\n",
			[]want{{"t.hcl:2:19", []string{"tls ca_file is empty"}}}},
		{"bad fingerprint", "connection \"proxmox-pve\" \"a\" {\n  tls { fingerprint = \"zz:11\" }\n}\n",
			[]want{{"t.hcl:2:23", []string{`tls fingerprint "zz:11" is not a SHA-256 fingerprint`, "64 hex digits, colons optional"}}}},
		{"two server blocks", "server {}\nserver {\n}\n",
			[]want{{"t.hcl:2:1", []string{"a second server block", "the first is at t.hcl:1:1"}}}},
		{"unknown server attribute", "server {\n  lisen = \"x\"\n}\n",
			[]want{{"t.hcl:2:3", []string{`unknown attribute "lisen" in the server block`, `did you mean "listen"?`, "valid attributes are: agent_listen, data_dir, listen, log_format, log_level, plugin_dir"}}}},
		{"bad log level", "server {\n  log_level = \"loud\"\n}\n",
			[]want{{"t.hcl:2:15", []string{`log_level "loud" is not valid`, `"trace", "debug", "info", "warn", "error"`}}}},
		{"bad log format", "server {\n  log_format = \"xml\"\n}\n",
			[]want{{"t.hcl:2:16", []string{`log_format "xml" is not valid`, `"text", "json"`}}}},
		{"bad listen", "server {\n  listen = \"7655\"\n}\n",
			[]want{{"t.hcl:2:12", []string{`listen "7655" is not a host:port address`, `"127.0.0.1:7655"`}}}},
		{"empty data_dir", "server {\n  data_dir = \"\"\n}\n",
			[]want{{"t.hcl:2:14", []string{"data_dir is empty"}}}},
		{"top-level attribute", "listen = \"x\"\n",
			[]want{{"t.hcl:1:1", []string{`unknown attribute "listen" in the top level`, "no attributes are allowed here"}}}},
		{"unknown top-level block", "conection \"proxmox-pve\" \"a\" {}\n",
			[]want{{"t.hcl:1:1", []string{`unknown block "conection" in the top level`, `did you mean "connection"?`}}}},
		{"many problems in one pass", `server {
  log_level = "loud"
}
connection "aws" "a" {}
connection "proxmox-pve" "b" {
  poll_interval = "5x"
  retry {}
  token = env("PULSE_TEST_SURELY_UNSET")
}
server {}
`, []want{
			{"t.hcl:2:15", []string{"log_level"}},
			{"t.hcl:4:12", []string{"presentation-only"}},
			{"t.hcl:6:19", []string{"not a duration"}},
			{"t.hcl:7:3", []string{`unknown block "retry"`}},
			{"t.hcl:8:11", []string{"PULSE_TEST_SURELY_UNSET"}},
			{"t.hcl:10:1", []string{"a second server block"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseBytes("t.hcl", []byte(tt.src))
			if cfg != nil {
				t.Errorf("got a config along with the error")
			}
			checkDiags(t, err, tt.want)
		})
	}
}

// TestParseDefaults checks the defaults of an empty configuration and of a
// bare connection block.
func TestParseDefaults(t *testing.T) {
	cfg, err := ParseBytes("t.hcl", []byte(`connection "proxmox-pve" "lab" {}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Server{Listen: "127.0.0.1:7655", DataDir: "data", LogLevel: "info", LogFormat: "text"}
	if cfg.Server != want {
		t.Errorf("server %+v, want %+v", cfg.Server, want)
	}
	if len(cfg.Files) != 1 || cfg.Files[0] != "t.hcl" {
		t.Errorf("files %v", cfg.Files)
	}
	if len(cfg.Connections) != 1 {
		t.Fatalf("%d connections", len(cfg.Connections))
	}
	c := cfg.Connections[0]
	if c.Platform != "proxmox-pve" || c.Name != "lab" || !c.Enabled ||
		c.PollInterval != 30*time.Second || c.Timeout != 10*time.Second || c.TLS.CAFile != "" || c.TLS.InsecureSkipVerify {
		t.Errorf("connection defaults wrong: %+v", *c)
	}
	if got := at(c.Range); got != "t.hcl:1:1" {
		t.Errorf("range %s", got)
	}
}

// TestParseServer checks every server attribute and relative paths.
func TestParseServer(t *testing.T) {
	cfg, err := ParseBytes("t.hcl", []byte(`server {
  listen     = ":9000"
  data_dir   = "var/pulse"
  plugin_dir = "/opt/pulse/plugins"
  log_level  = "warn"
  log_format = "json"
}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Server{Listen: ":9000", DataDir: "var/pulse", PluginDir: "/opt/pulse/plugins", LogLevel: "warn", LogFormat: "json"}
	if cfg.Server != want {
		t.Errorf("server %+v, want %+v", cfg.Server, want)
	}
}

// TestParseCommon checks the common connection attributes when set.
func TestParseCommon(t *testing.T) {
	fp := "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"
	cfg, err := ParseBytes("t.hcl", []byte(`connection "truenas" "nas.1_a" {
  enabled       = false
  poll_interval = "2m"
  timeout       = "2m"
  tls {
    fingerprint = "`+fp+`"
  }
}
connection "vmware-vsphere" "vc" {
  poll_interval = "1s"
  timeout       = "500ms"
  tls { insecure_skip_verify = true }
}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connections[0]
	if c.Enabled || c.PollInterval != 2*time.Minute || c.Timeout != 2*time.Minute || c.TLS.Fingerprint != fp {
		t.Errorf("first connection wrong: %+v", *c)
	}
	c = cfg.Connections[1]
	if !c.Enabled || c.PollInterval != time.Second || c.Timeout != 500*time.Millisecond || !c.TLS.InsecureSkipVerify {
		t.Errorf("second connection wrong: %+v", *c)
	}
}

// TestParseNoFiles checks Parse with nothing to read.
func TestParseNoFiles(t *testing.T) {
	_, err := Parse()
	var ds *Diagnostics
	if !asDiags(err, &ds) || len(*ds) != 1 || (*ds)[0].Summary != "no configuration files given" {
		t.Fatalf("got %v", err)
	}
	empty := t.TempDir()
	_, err = Parse(empty)
	checkDiags(t, err, []want{{empty, []string{"cannot read configuration file: directory holds no .hcl files"}}})
	_, err = Parse("testdata/does-not-exist.hcl")
	if !asDiags(err, &ds) || len(*ds) != 1 || (*ds)[0].String() != "testdata/does-not-exist.hcl: cannot read configuration file: no such file or directory; check the path and its permissions" {
		t.Fatalf("got %v", err)
	}
}
