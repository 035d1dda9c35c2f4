package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pluginDir := fs.String("plugin-dir", "", "extra directory to search for plugins")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: pulse validate [--plugin-dir DIR] FILE...")
		return 2
	}
	cfg, err := config.Parse(fs.Args()...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	dir := cfg.Server.PluginDir
	if *pluginDir != "" {
		dir = *pluginDir
	}
	schemas, problems := schemasFor(cfg, pluginhost.SearchDirs(dir))
	failed := len(problems) > 0
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if err := cfg.Validate(schemas); err != nil {
		fmt.Fprintln(stderr, err)
		failed = true
	}
	if failed {
		return 1
	}
	fmt.Fprintf(stdout, "%d file(s) valid: %d connection(s)\n", len(cfg.Files), len(cfg.Connections))
	return 0
}

// schemasFor launches the plugin of each configured platform to learn its
// connection schema; problems name platforms whose plugin is missing or refused.
func schemasFor(cfg *config.Config, dirs []string) (map[string]sdk.Schema, []string) {
	found := map[string]string{}
	for _, f := range pluginhost.Discover(dirs) {
		found[f.Platform] = f.Path
	}
	schemas := map[string]sdk.Schema{}
	var problems []string
	for _, c := range cfg.Connections {
		if _, done := schemas[c.Platform]; done {
			continue
		}
		path, ok := found[c.Platform]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: connection %q %q: no plugin %s%s found in %v, so its body cannot be checked; run `make build` or set server.plugin_dir",
				at(c.Range), c.Platform, c.Name, pluginhost.BinaryPrefix, c.Platform, dirs))
			schemas[c.Platform] = nil
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		p, err := pluginhost.Launch(ctx, path, hclog.NewNullLogger())
		cancel()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: connection %q %q: %v", at(c.Range), c.Platform, c.Name, err))
			schemas[c.Platform] = nil
			continue
		}
		schemas[c.Platform] = p.Schema
		p.Kill()
	}
	for k, v := range schemas {
		if v == nil {
			delete(schemas, k)
		}
	}
	return schemas, problems
}

// at formats a source range as file:line:column.
func at(r hcl.Range) string { return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column) }
