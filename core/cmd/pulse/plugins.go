package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
)

// pluginReport is what `pulse plugins` shows for one binary.
type pluginReport struct {
	Platform      string            `json:"platform"`
	Path          string            `json:"path"`
	Shadowed      []string          `json:"shadowed,omitempty"`
	Version       string            `json:"version,omitempty"`
	APIVersion    uint32            `json:"api_version,omitempty"`
	Projections   []string          `json:"projections,omitempty"`
	Surfaces      map[string]string `json:"surfaces,omitempty"`
	IdentityKeys  []string          `json:"identity_keys,omitempty"`
	Watch         bool              `json:"watch"`
	Actions       []string          `json:"actions,omitempty"`
	StartMS       float64           `json:"start_ms,omitempty"`
	Problems      []string          `json:"problems,omitempty"`
	SchemaAttrs   []string          `json:"connection_attributes,omitempty"`
	GovernedState string            `json:"governed_state,omitempty"`
}

func runPlugins(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "reload" {
		return runPluginReload(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("plugins", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "output format: table or json")
	pluginDir := fs.String("plugin-dir", "", "extra directory to search for plugins")
	var files stringList
	fs.Var(&files, "config", "configuration file whose server.plugin_dir is searched (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "pulse plugins: --format %q is not known; use table or json\n", *format)
		return 2
	}
	dir := *pluginDir
	if len(files) > 0 && dir == "" {
		cfg, err := config.Parse(files...)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		dir = cfg.Server.PluginDir
	}
	dirs := pluginhost.SearchDirs(dir)
	found := pluginhost.Discover(dirs)
	reports := make([]pluginReport, len(found))
	var wg sync.WaitGroup
	for i, f := range found {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = inspect(f)
		}()
	}
	wg.Wait()
	bad := false
	for _, r := range reports {
		bad = bad || len(r.Problems) > 0
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"searched": dirs, "plugins": reports})
	} else {
		writePluginTable(stdout, dirs, reports)
	}
	if bad {
		return 1
	}
	return 0
}

func inspect(f pluginhost.Found) pluginReport {
	r := pluginReport{Platform: f.Platform, Path: f.Path, Shadowed: f.Shadowed}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := pluginhost.Launch(ctx, f.Path, hclog.NewNullLogger())
	if err != nil {
		var le *pluginhost.LaunchError
		if errors.As(err, &le) {
			r.Problems = append([]string{le.Reason}, le.Problems...)
		} else {
			r.Problems = []string{err.Error()}
		}
		return r
	}
	defer p.Kill()
	d := p.Info.GetDeclaration()
	r.Version, r.APIVersion = d.GetVersion(), p.Info.GetApiVersion()
	r.Projections, r.Surfaces, r.IdentityKeys = d.GetProjections(), d.GetSurfaces(), d.GetIdentityKeys()
	r.Watch, r.Actions = d.GetWatch(), d.GetActions()
	r.StartMS = float64(p.StartDuration.Microseconds()) / 1000
	r.GovernedState = p.Platform.SupportState()
	if d.GetPlatformId() != f.Platform {
		r.Problems = append(r.Problems, fmt.Sprintf("binary is named for %s but declares %s", f.Platform, d.GetPlatformId()))
	}
	for _, a := range p.Schema {
		r.SchemaAttrs = append(r.SchemaAttrs, a.Name)
	}
	return r
}

func writePluginTable(w io.Writer, dirs []string, reports []pluginReport) {
	fmt.Fprintf(w, "searched: %s\n\n", strings.Join(dirs, ", "))
	if len(reports) == 0 {
		fmt.Fprintln(w, "no plugins found (binaries are named pulse-plugin-<platform-id>; run `make build`)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PLATFORM\tSTATE\tVERSION\tAPI\tWATCH\tPROJECTIONS\tSTART\tPATH")
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%v\t%s\t%.0fms\t%s\n", r.Platform, r.GovernedState, r.Version, r.APIVersion, r.Watch, strings.Join(r.Projections, ","), r.StartMS, r.Path)
	}
	tw.Flush()
	for _, r := range reports {
		for _, p := range r.Problems {
			fmt.Fprintf(w, "problem: %s: %s\n", r.Platform, p)
		}
	}
}
