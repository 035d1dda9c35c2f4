package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Config is a parsed, validated configuration.
type Config struct {
	// Server holds the server block's settings, with defaults applied.
	Server Server
	// Connections are the connection blocks of all files, in file order.
	// Their plugin-specific attributes are checked by Connection.Decode.
	Connections []*Connection
	// Files are the configuration files read, in order.
	Files []string
	// Control is the control block (control is off when there is none).
	Control Control
	// Alerts, AlertRules, Notifiers and Routes configure the alerts engine
	// and notifications (alerts.go).
	Alerts     AlertSettings
	AlertRules []AlertRule
	Notifiers  []Notifier
	Routes     []Route
}

// Parse reads and validates configuration files. A path naming a directory
// stands for every *.hcl file in it, in lexical order. The error, when the
// configuration is invalid, is a *Diagnostics holding every problem found.
func Parse(paths ...string) (*Config, error) {
	p := newParser()
	if len(paths) == 0 {
		p.diags = append(p.diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "no configuration files given", Detail: "name one or more .hcl files, or a directory holding them"})
	}
	for _, path := range paths {
		files, err := expand(path)
		if err != nil {
			p.fileError(path, err)
			continue
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				p.fileError(f, err)
				continue
			}
			p.parseFile(f, filepath.Dir(f), src)
		}
	}
	return p.finish()
}

// ParseBytes parses one configuration held in memory, named name in
// diagnostics; relative paths resolve against the working directory ".".
func ParseBytes(name string, src []byte) (*Config, error) {
	p := newParser()
	p.parseFile(name, ".", src)
	return p.finish()
}

// expand turns a path into the files it stands for.
func expand(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	files, err := filepath.Glob(filepath.Join(path, "*.hcl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("directory holds no .hcl files")
	}
	slices.Sort(files)
	return files, nil
}

// parser accumulates one configuration across files.
type parser struct {
	cfg     Config
	diags   hcl.Diagnostics
	secrets *secretSet
	// firstDir is the directory of the first file: the base of the default
	// data directory.
	firstDir string
	// server is the first server block's header, once seen.
	server *hcl.Range
	// names maps platform and connection name to the name's first label.
	names map[[2]string]hcl.Range
}

func newParser() *parser {
	return &parser{
		cfg: Config{Server: Server{
			Listen: DefaultListen, LogLevel: DefaultLogLevel, LogFormat: DefaultLogFormat,
		}, Alerts: DefaultAlertSettings},
		secrets: &secretSet{},
		names:   map[[2]string]hcl.Range{},
	}
}

// fileError records a file that cannot be read.
func (p *parser) fileError(path string, err error) {
	p.diags = append(p.diags, errorAt(hcl.Range{Filename: path}, "cannot read configuration file",
		reason(err)+"; check the path and its permissions"))
}

// topRules and topSchema describe a file's top level.
var (
	topRules  = bodyRules{where: "the top level", blocks: []string{"connection", "control", "server", "alerts", "alert_rule", "notifier", "route"}}
	topSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "server"},
		{Type: "connection", LabelNames: []string{"platform", "name"}},
		{Type: "control"},
		{Type: "alerts"},
		{Type: "alert_rule", LabelNames: []string{"name"}},
		{Type: "notifier", LabelNames: []string{"kind", "name"}},
		{Type: "route", LabelNames: []string{"name"}},
	}}
)

// parseFile parses one file; relative paths in it resolve against dir.
func (p *parser) parseFile(name, dir string, src []byte) {
	p.cfg.Files = append(p.cfg.Files, name)
	if len(p.cfg.Files) == 1 {
		p.firstDir = dir
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	p.diags = append(p.diags, diags...)
	if diags.HasErrors() || f == nil {
		// A body recovered from a syntax error would only add noise.
		return
	}
	ctx := evalContext(dir, p.secrets)
	p.diags = append(p.diags, checkBody(f.Body, topRules)...)
	content, _, diags := f.Body.PartialContent(topSchema)
	p.diags = append(p.diags, diags...)
	for _, b := range content.Blocks {
		switch b.Type {
		case "server":
			p.decodeServer(b, dir, ctx)
		case "connection":
			p.decodeConnection(b, dir, ctx)
		case "control":
			p.decodeControl(b, ctx)
		case "alerts":
			p.decodeAlerts(b, ctx)
		case "alert_rule":
			p.decodeAlertRule(b, ctx)
		case "notifier":
			p.decodeNotifier(b, dir, ctx)
		case "route":
			p.decodeRoute(b, ctx)
		}
	}
}

// finish applies defaults and returns the configuration or the diagnostics.
func (p *parser) finish() (*Config, error) {
	if p.cfg.Server.DataDir == "" {
		p.cfg.Server.DataDir = resolve(p.firstDir, DefaultDataDir)
	}
	p.finishControl()
	p.checkAlertRefs()
	if p.diags.HasErrors() {
		ds := toDiagnostics(p.diags, p.cfg.Files, p.secrets)
		return nil, &ds
	}
	cfg := p.cfg
	return &cfg, nil
}
