package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/internal/pluginhost"
	"github.com/pulsehost/pulse/core/internal/store"
	"github.com/pulsehost/pulse/core/resource"
	"github.com/pulsehost/pulse/plugins/sdk"
)

// pollResult is the document `pulse poll` prints.
type pollResult struct {
	Platform       string                   `json:"platform"`
	Connection     string                   `json:"connection"`
	Plugin         string                   `json:"plugin"`
	PluginVersion  string                   `json:"plugin_version"`
	Check          *sdk.CheckReport         `json:"check"`
	DurationMS     float64                  `json:"collect_duration_ms"`
	Error          string                   `json:"error,omitempty"`
	Rejected       []ingest.Rejection       `json:"rejected"`
	Resources      []resource.Resource      `json:"resources"`
	Alerts         []resource.Alert         `json:"alerts"`
	RecoveryPoints []resource.RecoveryPoint `json:"recovery_points"`
	Metrics        []resource.Metric        `json:"metrics"`
}

func runPoll(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("poll", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (repeatable)")
	verbose := fs.Bool("v", false, "show the plugin's log and the phase timings on stderr")
	timings := fs.Bool("timings", false, "print how long each phase took (plugin start, configure, check, collect, validate, store, ...) on stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var tm *pollTimings
	if *timings || *verbose {
		tm = newPollTimings()
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: pulse poll --config FILE CONNECTION   (CONNECTION is a name, or platform/name when names repeat)")
		return 2
	}
	t0 := time.Now()
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return 1
	}
	tm.since("config", t0)
	c, err := findConnection(cfg, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "pulse poll:", err)
		return 1
	}
	log := hclog.NewNullLogger()
	if *verbose {
		log = hclog.New(&hclog.LoggerOptions{Name: "pulse", Output: stderr, Level: hclog.Debug})
	}
	res, err := poll(cfg, c, log, tm)
	if res != nil {
		t0 := time.Now()
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
		tm.add("output", time.Since(t0), "the JSON document on stdout")
	}
	tm.write(stderr, c.Platform+"/"+c.Name)
	if err != nil {
		fmt.Fprintln(stderr, "pulse poll:", err)
		return 1
	}
	return 0
}

func findConnection(cfg *config.Config, name string) (*config.Connection, error) {
	var matches []*config.Connection
	var all []string
	for _, c := range cfg.Connections {
		all = append(all, c.Platform+"/"+c.Name)
		if c.Name == name || c.Platform+"/"+c.Name == name {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return nil, fmt.Errorf("no connection %q in %s; configured: %s", name, strings.Join(cfg.Files, ", "), strings.Join(all, ", "))
	default:
		return nil, fmt.Errorf("connection name %q is used by several platforms; write platform/name, one of: %s", name, strings.Join(all, ", "))
	}
}

// poll runs the connection's plugin once; tm (nil: none) records the phases.
func poll(cfg *config.Config, c *config.Connection, log hclog.Logger, tm *pollTimings) (*pollResult, error) {
	dirs := pluginhost.SearchDirs(cfg.Server.PluginDir)
	var path string
	for _, f := range pluginhost.Discover(dirs) {
		if f.Platform == c.Platform {
			path = f.Path
		}
	}
	if path == "" {
		return nil, fmt.Errorf("no plugin %s%s found in %v; run `make build`", pluginhost.BinaryPrefix, c.Platform, dirs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout+30*time.Second)
	defer cancel()
	t0 := time.Now()
	p, err := pluginhost.Launch(ctx, path, log)
	if err != nil {
		return nil, err
	}
	tm.add("plugin start", time.Since(t0), "process start, handshake, declaration check, schema")
	defer func() {
		t0 := time.Now()
		p.Kill()
		tm.add("plugin stop", time.Since(t0), "")
	}()
	out := &pollResult{Platform: c.Platform, Connection: c.Name, Plugin: path, PluginVersion: p.Version(),
		Rejected: []ingest.Rejection{}, Resources: []resource.Resource{}, Alerts: []resource.Alert{},
		RecoveryPoints: []resource.RecoveryPoint{}, Metrics: []resource.Metric{}}
	t0 = time.Now()
	if err := p.Configure(ctx, c.SDK, c.Timeout); err != nil {
		return nil, fmt.Errorf("configure: %w", err)
	}
	tm.since("configure", t0)
	defer func() {
		t0 := time.Now()
		p.RPC.Close(context.Background(), c.Name)
		tm.add("plugin stop", time.Since(t0), "closing the connection, ending the process")
	}()
	// Check and Collect run at the same time: neither needs the other's
	// answer (a failing check is reported beside whatever Collect got), and
	// the one-shot's wall is then the slower of the two, not their sum.
	var rep sdk.CheckReport
	var checkTook time.Duration
	checked := make(chan struct{})
	t0 = time.Now()
	go func() {
		defer close(checked)
		rep = p.Check(ctx, c.Name, c.Timeout)
		checkTook = time.Since(t0)
	}()
	start := time.Now()
	snap, rejected, ct, err := p.CollectTimed(ctx, c.Name, c.Timeout, start)
	out.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	collectTook := time.Since(start)
	<-checked
	out.Check = &rep
	tm.add("check", checkTook, fmt.Sprintf("%d sub-checks against the platform (beside collect)", len(rep.Checks)))
	tm.overlapped(min(checkTook, collectTook))
	tm.add("collect", ct.Receive, fmt.Sprintf("the plugin asking the platform and streaming %d batches", ct.Batches))
	tm.add("validate", ct.Validate, fmt.Sprintf("%d resources, %d metrics checked against the declaration and the model; %d rejected",
		len(snap.Resources), len(snap.Metrics), len(rejected)))
	if err != nil {
		out.Error = "collect: " + err.Error()
		return out, fmt.Errorf("collect: %w", err)
	}
	out.Rejected = append(out.Rejected, rejected...)
	t0 = time.Now()
	if err := canonicalize(ctx, out, c, snap, start); err != nil {
		return out, err
	}
	tm.add("store", time.Since(t0), "a scratch store for canonical ids and relationships, read back")
	if !rep.OK() {
		return out, fmt.Errorf("check failed: see the check section")
	}
	return out, nil
}

// canonicalize runs the snapshot through a scratch store so the output shows
// canonical ids and resolved relationships exactly as the daemon would.
func canonicalize(ctx context.Context, out *pollResult, c *config.Connection, snap resource.Snapshot, at time.Time) error {
	dir, err := os.MkdirTemp("", "pulse-poll-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(filepath.Join(dir, "poll.db"), hclog.NewNullLogger())
	if err != nil {
		return err
	}
	defer st.Close()
	src := resource.SourceRef{Platform: c.Platform, Connection: c.Name}
	if _, err := st.ApplySnapshot(ctx, src, snap, at); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	out.Resources = append(out.Resources, st.Resources(store.Filter{})...)
	out.Alerts = append(out.Alerts, st.Alerts(store.AlertFilter{})...)
	out.RecoveryPoints = append(out.RecoveryPoints, st.RecoveryPoints("")...)
	for _, r := range out.Resources {
		out.Metrics = append(out.Metrics, st.Metrics(r.ID)...)
	}
	return nil
}
