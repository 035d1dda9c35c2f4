package config

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/pulsehost/pulse/plugins/sdk"
)

// testSchema resembles a real plugin's: two ways to authenticate, a
// required list, and one attribute of each type.
var testSchema = sdk.Schema{
	{Name: "endpoints", Type: sdk.TypeStringList, Required: true, Description: "API base URLs"},
	{Name: "token_id", Type: sdk.TypeString, ExactlyOneOf: "auth:token"},
	{Name: "token_secret", Type: sdk.TypeString, Sensitive: true, ExactlyOneOf: "auth:token"},
	{Name: "username", Type: sdk.TypeString, ExactlyOneOf: "auth:password"},
	{Name: "password", Type: sdk.TypeString, Sensitive: true, ExactlyOneOf: "auth:password"},
	{Name: "port", Type: sdk.TypeNumber},
	{Name: "pin", Type: sdk.TypeNumber, Sensitive: true},
	{Name: "verbose", Type: sdk.TypeBool},
	{Name: "max_age", Type: sdk.TypeDuration},
}

// parseOne parses src and returns its only connection.
func parseOne(t *testing.T, src string) *Connection {
	t.Helper()
	cfg, err := ParseBytes("t.hcl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Connections) != 1 {
		t.Fatalf("%d connections", len(cfg.Connections))
	}
	return cfg.Connections[0]
}

// TestDecodeDiagnostics checks phase two against testSchema.
func TestDecodeDiagnostics(t *testing.T) {
	const head = "connection \"proxmox-pve\" \"a\" {\n  endpoints = [\"https://pve.lab:8006\"]\n"
	const token = "  token_id     = \"pulse@pve!monitor\"\n  token_secret = \"s3cret-token\"\n"
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"unknown attribute lists valid names", head + token + "  tokn_id = \"x\"\n}\n",
			[]want{{"t.hcl:5:3", []string{`unknown attribute "tokn_id" for platform "proxmox-pve"`, `did you mean "token_id"?`,
				"valid attributes are: endpoints, max_age, password, pin, port, token_id, token_secret, username, verbose",
				"besides the common enabled, poll_interval, timeout and the tls block"}}}},
		{"misspelt common attribute", head + token + "  pol_interval = \"1m\"\n}\n",
			[]want{{"t.hcl:5:3", []string{`unknown attribute "pol_interval"`, `did you mean "poll_interval"?`}}}},
		{"missing required attribute", "connection \"proxmox-pve\" \"a\" {\n" + token + "}\n",
			[]want{{"t.hcl:1:1", []string{`connection "proxmox-pve" "a" lacks the required attribute "endpoints"`, `add endpoints = ["..."] (API base URLs)`}}}},
		{"list given a string", "connection \"proxmox-pve\" \"a\" {\n  endpoints = \"https://pve.lab:8006\"\n" + token + "}\n",
			[]want{{"t.hcl:2:15", []string{"endpoints must be a list of strings", `got "https://pve.lab:8006"`}}}},
		{"list with a null", "connection \"proxmox-pve\" \"a\" {\n  endpoints = [\"a\", null]\n" + token + "}\n",
			[]want{{"t.hcl:2:15", []string{"endpoints holds a null element"}}}},
		{"number given text", head + token + "  port = \"eighty\"\n}\n",
			[]want{{"t.hcl:5:10", []string{"port must be a number", `got "eighty"`}}}},
		{"bool given text", head + token + "  verbose = \"maybe\"\n}\n",
			[]want{{"t.hcl:5:13", []string{"verbose must be true or false", `got "maybe"`}}}},
		{"string given a list", head + "  token_id     = [\"x\"]\n  token_secret = \"s3cret-token\"\n}\n",
			[]want{{"t.hcl:3:18", []string{"token_id must be a string", "got a list"}}}},
		{"bad duration", head + token + "  max_age = \"3 days\"\n}\n",
			[]want{{"t.hcl:5:13", []string{`max_age "3 days" is not a duration`}}}},
		{"exactly-one-of: none set", head + "}\n",
			[]want{{"t.hcl:1:1", []string{`sets no auth alternative`, "set exactly one of: token (token_id, token_secret); password (username, password)"}}}},
		{"exactly-one-of: both set", head + token + "  username = \"pulse\"\n  password = \"pw-secret\"\n}\n",
			[]want{{"t.hcl:5:3", []string{`auth alternatives "token" and "password" are both set`, "remove the others"}}}},
		{"exactly-one-of: both set, second first in source", head + "  password = \"pw-secret\"\n" + token + "}\n",
			[]want{{"t.hcl:4:3", []string{`auth alternatives "password" and "token" are both set`}}}},
		{"exactly-one-of: partial alternative", head + "  token_secret = \"s3cret-token\"\n}\n",
			[]want{{"t.hcl:3:3", []string{`auth alternative "token" is incomplete: token_id not set`, "set all of token (token_id, token_secret)"}}}},
		{"several problems at once", "connection \"proxmox-pve\" \"a\" {\n  port = true\n  extra = 1\n}\n",
			[]want{
				{"t.hcl:1:1", []string{`required attribute "endpoints"`}},
				{"t.hcl:1:1", []string{"sets no auth alternative"}},
				{"t.hcl:2:10", []string{"port must be a number"}},
				{"t.hcl:3:3", []string{`unknown attribute "extra"`}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := parseOne(t, tt.src)
			raw, err := c.Decode(testSchema)
			if raw != nil {
				t.Errorf("got config %s along with the error", raw)
			}
			checkDiags(t, err, tt.want)
		})
	}
}

// TestDecodeInvalidSchema checks that a plugin's bad schema is reported at
// the connection, as the plugin's fault.
func TestDecodeInvalidSchema(t *testing.T) {
	c := parseOne(t, "connection \"proxmox-pve\" \"a\" {\n}\n")
	bad := sdk.Schema{
		{Name: "timeout", Type: sdk.TypeString},
		{Name: "x", Type: "map"},
		{Name: "y", Type: sdk.TypeString, ExactlyOneOf: "nogroup"},
	}
	_, err := c.Decode(bad)
	has := []string{`the "proxmox-pve" plugin declares an invalid schema`, "a bug in the plugin"}
	checkDiags(t, err, []want{{"t.hcl:1:1", has}, {"t.hcl:1:1", has}, {"t.hcl:1:1", has}})
}

// TestDecode checks the JSON a plugin receives and the SDK connection.
func TestDecode(t *testing.T) {
	c := parseOne(t, `connection "proxmox-pve" "lab" {
  endpoints = ["https://pve1.lab:8006", "https://pve2.lab:8006"]
  username  = "pulse@pve"
  password  = "pw-${"secret"}"
  port      = 8006
  pin       = 1.5
  verbose   = true
  max_age   = "1h30m"
  timeout   = "5s"
  tls { insecure_skip_verify = true }
}
`)
	raw, err := c.Decode(testSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"endpoints":["https://pve1.lab:8006","https://pve2.lab:8006"],"max_age":"1h30m","password":"pw-secret","pin":1.5,"port":8006,"username":"pulse@pve","verbose":true}`
	if string(raw) != want {
		t.Errorf("decoded\n%s\nwant\n%s", raw, want)
	}
	conn, err := c.SDK(testSchema)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Name != "lab" || string(conn.Config) != want || conn.Timeout != 5*time.Second || !conn.TLS.InsecureSkipVerify {
		t.Errorf("sdk connection %+v", conn)
	}
	var cfg struct {
		Endpoints []string `json:"endpoints"`
		Username  string   `json:"username"`
		Password  string   `json:"password"`
		Port      int      `json:"port"`
		Pin       float64  `json:"pin"`
		Verbose   bool     `json:"verbose"`
		MaxAge    string   `json:"max_age"`
	}
	if err := conn.Decode(&cfg); err != nil {
		t.Fatalf("plugin-side decode: %v", err)
	}
	if cfg.Port != 8006 || cfg.MaxAge != "1h30m" || len(cfg.Endpoints) != 2 {
		t.Errorf("plugin-side config %+v", cfg)
	}
}

// TestDecodeNullIsUnset checks that null leaves an attribute out.
func TestDecodeNullIsUnset(t *testing.T) {
	c := parseOne(t, "connection \"proxmox-pve\" \"a\" {\n  endpoints = [\"e\"]\n  token_id = \"i\"\n  token_secret = \"s\"\n  port = null\n}\n")
	raw, err := c.Decode(testSchema)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["port"]; ok {
		t.Errorf("null port kept: %s", raw)
	}
}

// TestRedacted checks what the CLI and API may show.
func TestRedacted(t *testing.T) {
	t.Setenv("PULSE_TEST_TOKEN_ID", "id-from-env")
	c := parseOne(t, `connection "proxmox-pve" "lab" {
  endpoints    = ["https://pve1.lab:8006"]
  token_id     = env("PULSE_TEST_TOKEN_ID")
  token_secret = "literal-secret"
  port         = 8006
  misspelt     = "maybe-a-secret"
  tls { insecure_skip_verify = true }
}
`)
	got := c.Redacted(testSchema)
	want := map[string]any{
		"enabled": true, "poll_interval": "30s", "timeout": "10s",
		"tls":       map[string]any{"insecure_skip_verify": true},
		"endpoints": []string{"https://pve1.lab:8006"},
		"token_id":  sensitive, "token_secret": sensitive,
		"port": json.Number("8006"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redacted\n%#v\nwant\n%#v", got, want)
	}
}

// TestValidate checks that Validate gathers every connection's problems in
// file order and skips platforms without a schema.
func TestValidate(t *testing.T) {
	cfg, err := ParseBytes("t.hcl", []byte(`connection "proxmox-pve" "a" {
  extra = 1
}
connection "truenas" "nas" {
  anything = "goes: no schema given"
}
connection "proxmox-pve" "b" {
  endpoints = ["e"]
  token_id = "i"
  token_secret = "s"
}
connection "proxmox-pve" "c" {
  endpoints = "e"
  token_id = "i"
  token_secret = "s"
}
`))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate(map[string]sdk.Schema{"proxmox-pve": testSchema})
	checkDiags(t, err, []want{
		{"t.hcl:1:1", []string{`required attribute "endpoints"`}},
		{"t.hcl:1:1", []string{"sets no auth alternative"}},
		{"t.hcl:2:3", []string{`unknown attribute "extra"`}},
		{"t.hcl:13:15", []string{"endpoints must be a list of strings"}},
	})
	if err := cfg.Validate(nil); err != nil {
		t.Errorf("validate without schemas: %v", err)
	}
}
