package config

import (
	"fmt"
	"net"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

// Server defaults.
const (
	DefaultListen    = "127.0.0.1:7655"
	DefaultDataDir   = "./data"
	DefaultLogLevel  = "info"
	DefaultLogFormat = "text"
)

// Log levels and formats the server block accepts.
var (
	logLevels  = []string{"trace", "debug", "info", "warn", "error"}
	logFormats = []string{"text", "json"}
)

// Server is the server block. Relative paths are resolved against the
// directory of the file that set them; the default data directory, "./data",
// against the directory of the first file.
type Server struct {
	// Listen is the HTTP API's host:port (default "127.0.0.1:7655").
	Listen string
	// DataDir holds the store (default "./data").
	DataDir string
	// PluginDir is where plugin binaries are found; empty means the
	// daemon's own default.
	PluginDir string
	// LogLevel is trace, debug, info (default), warn or error.
	LogLevel string
	// LogFormat is text (default) or json.
	LogFormat string
	// AgentListen is the agent listener's host:port (HTTPS, pulse-agent
	// enrollment and reports); empty means no agent listener.
	AgentListen string
	// TLSCert and TLSKey are the agent listener's certificate and key
	// files; empty means a self-signed certificate generated in DataDir.
	TLSCert string
	TLSKey  string
	// Security holds auth, metrics_token and the operator listener's TLS.
	Security Security
}

var serverRules = bodyRules{where: "the server block",
	attrs: append([]string{"listen", "data_dir", "plugin_dir", "log_level", "log_format", "agent_listen", "tls_cert", "tls_key"}, securityAttrs...)}

// decodeServer decodes a server block; relative paths resolve against dir.
func (p *parser) decodeServer(b *hcl.Block, dir string, ctx *hcl.EvalContext) {
	if p.server != nil {
		p.diags = append(p.diags, errorAt(b.DefRange, "a second server block",
			fmt.Sprintf("the first is at %s; put all server settings in one server block", at(*p.server))))
		return
	}
	p.server = b.DefRange.Ptr()
	p.diags = append(p.diags, checkBody(b.Body, serverRules)...)
	// Blocks inside were reported by checkBody; JustAttributes reports
	// nothing else.
	attrs, _ := b.Body.JustAttributes()
	s := &p.cfg.Server
	for _, a := range inOrder(attrs) {
		v, diags := evaluate(a, ctx)
		p.diags = append(p.diags, diags...)
		if !v.usable() || p.decodeSecurity(a.Name, v, dir) {
			continue
		}
		str, d := asString(a.Name, v, v.secret)
		if d != nil {
			p.diags = append(p.diags, d)
			continue
		}
		switch a.Name {
		case "listen":
			d = checkListen(str, v)
			s.Listen = str
		case "data_dir":
			d = checkPath(a.Name, str, v)
			s.DataDir = resolve(dir, str)
		case "plugin_dir":
			d = checkPath(a.Name, str, v)
			s.PluginDir = resolve(dir, str)
		case "log_level":
			d = oneOf(a.Name, str, logLevels, v)
			s.LogLevel = str
		case "log_format":
			d = oneOf(a.Name, str, logFormats, v)
			s.LogFormat = str
		case "agent_listen":
			d = checkListen(str, v)
			s.AgentListen = str
		case "tls_cert":
			d = checkPath(a.Name, str, v)
			s.TLSCert = resolve(dir, str)
		case "tls_key":
			d = checkPath(a.Name, str, v)
			s.TLSKey = resolve(dir, str)
		}
		if d != nil {
			p.diags = append(p.diags, d)
		}
	}
	p.checkSecurity(b, attrs)
}

// checkListen checks a host:port address.
func checkListen(s string, v value) *hcl.Diagnostic {
	_, port, err := net.SplitHostPort(s)
	if err == nil {
		if n, perr := strconv.Atoi(port); perr == nil && n >= 0 && n <= 65535 {
			return nil
		}
	}
	return errorAt(v.rng(), fmt.Sprintf("listen %s is not a host:port address", show(v.val, v.secret)),
		`write e.g. "127.0.0.1:7655", or ":7655" for every interface`)
}

// checkPath refuses an empty path.
func checkPath(name, s string, v value) *hcl.Diagnostic {
	if s != "" {
		return nil
	}
	return errorAt(v.rng(), name+" is empty", fmt.Sprintf("write a directory, e.g. %s = \"/var/lib/pulse\", or remove the attribute", name))
}
