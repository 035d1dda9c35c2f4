package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTimeoutDefaultAdapts: the default timeout is the smaller of 10s and
// poll_interval, so poll_interval alone is never refused.
func TestTimeoutDefaultAdapts(t *testing.T) {
	for _, tc := range []struct {
		name, body    string
		poll, timeout time.Duration
	}{
		{"nothing set", ``, 30 * time.Second, 10 * time.Second},
		{"short poll alone", `poll_interval = "5s"`, 5 * time.Second, 5 * time.Second},
		{"one second poll alone", `poll_interval = "1s"`, time.Second, time.Second},
		{"long poll alone", `poll_interval = "2m"`, 2 * time.Minute, 10 * time.Second},
		{"timeout alone", `timeout = "3s"`, 30 * time.Second, 3 * time.Second},
		{"both", "poll_interval = \"5s\"\ntimeout = \"2s\"", 5 * time.Second, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseBytes("t.hcl", []byte("connection \"proxmox-pve\" \"a\" {\n"+tc.body+"\n}\n"))
			if err != nil {
				t.Fatal(err)
			}
			c := cfg.Connections[0]
			if c.PollInterval != tc.poll || c.Timeout != tc.timeout {
				t.Fatalf("poll_interval %s timeout %s, want %s and %s", c.PollInterval, c.Timeout, tc.poll, tc.timeout)
			}
		})
	}
}

// TestFileFunctionRefusesDevicesAndHugeFiles: file() reads secrets, not
// streams: a device, a FIFO or a huge file is an error, not a hang.
func TestFileFunctionRefusesDevicesAndHugeFiles(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/dev/zero": "not a regular file", big: "over the"} {
		_, err := ParseBytes("t.hcl", []byte("connection \"proxmox-pve\" \"a\" {\n  token_secret = file(\""+path+"\")\n}\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("file(%q): %v, want %q", path, err, want)
		}
	}
}
