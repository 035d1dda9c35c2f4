// Command pulse-agent is the Pulse host agent: it enrolls its ed25519 key
// with the core using a provisioning token, then reports signed telemetry
// (a full report on start and every 24 hours, metrics every interval). It
// runs as a low-privilege service installed by `pulse-agent install`.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/agent/internal/client"
	"github.com/pulsehost/pulse/agent/internal/collect"
	"github.com/pulsehost/pulse/agent/internal/keys"
	"github.com/pulsehost/pulse/agent/internal/runner"
	"github.com/pulsehost/pulse/agent/internal/service"
	"github.com/pulsehost/pulse/agent/internal/settings"
	"github.com/pulsehost/pulse/core/agentwire"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"enroll":    {"enroll this host's key with the core using a provisioning token", runEnroll},
	"run":       {"the service: report until stopped", runRun},
	"report":    {"report --once: send one full report now; non-zero with the server's error if refused", runReport},
	"print":     {"print the report it would send, unsigned", runPrint},
	"install":   {"install and start the system service (systemd, launchd, Windows SCM)", runInstall},
	"uninstall": {"stop and remove the system service", runUninstall},
	"version":   {"print the version", func([]string, io.Reader, io.Writer, io.Writer) int { fmt.Println("pulse-agent", version); return 0 }},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "pulse-agent: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pulse-agent <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

func logger(stderr io.Writer, level string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "pulse-agent", Level: hclog.LevelFromString(level), Output: stderr})
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pulse-agent "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func noArgs(fs *flag.FlagSet, stderr io.Writer) bool {
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false
	}
	return true
}

// readToken reads the provisioning token from a file or, for "-", stdin.
// It never appears on a command line.
func readToken(path string, stdin io.Reader) (string, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("token file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read token: %w", err)
	}
	tok := strings.TrimSpace(line)
	if tok == "" {
		return "", errors.New("the token file is empty (want the line `pulse token create` printed)")
	}
	return tok, nil
}

func runEnroll(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("enroll", stderr)
	server := fs.String("server", "", "the core's agent listener, https://host:port")
	tokenFile := fs.String("token-file", "", "file holding the provisioning token, or - for standard input")
	fp := fs.String("server-fingerprint", "", "pin the listener's certificate: SHA256:... as `pulse agent server-fingerprint` prints")
	caFile := fs.String("ca-file", "", "verify the listener's certificate with this CA bundle instead of a pin")
	configDir := fs.String("config-dir", settings.DefaultDir, "where agent.json and the key live")
	keyPath := fs.String("key", "", "private key file (default CONFIG_DIR/pulse_id)")
	interval := fs.String("interval", "30s", "metrics report interval")
	if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
		return 2
	}
	log := logger(stderr, "info")
	if *server == "" || *tokenFile == "" {
		fmt.Fprintln(stderr, "pulse-agent enroll: --server URL and --token-file FILE (or - for stdin) are required")
		return 2
	}
	if !strings.HasPrefix(*server, "https://") {
		fmt.Fprintf(stderr, "pulse-agent enroll: --server %q must be an https:// URL (the core's agent_listen)\n", *server)
		return 2
	}
	if _, err := time.ParseDuration(*interval); err != nil {
		fmt.Fprintf(stderr, "pulse-agent enroll: --interval %q: %v\n", *interval, err)
		return 2
	}
	pin := client.Pin{Fingerprint: *fp, CAFile: *caFile}
	if *caFile != "" {
		if abs, err := filepath.Abs(*caFile); err == nil {
			pin.CAFile = abs
		}
	}
	hc, err := client.HTTP(pin, 30*time.Second)
	if err != nil {
		fmt.Fprintln(stderr, "pulse-agent enroll:", err)
		return 2
	}
	tok, err := readToken(*tokenFile, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "pulse-agent enroll:", err)
		return 1
	}
	dir, _ := filepath.Abs(*configDir)
	if *keyPath == "" {
		*keyPath = filepath.Join(dir, settings.KeyFile)
	}
	kp, _ := filepath.Abs(*keyPath)
	k, created, err := keys.LoadOrCreate(kp)
	if err != nil {
		fmt.Fprintln(stderr, "pulse-agent enroll:", err)
		return 1
	}
	if created {
		log.Info("generated agent key", "path", kp, "fingerprint", k.Fingerprint())
	}
	t := collect.New(collect.Options{Fingerprint: k.Fingerprint()}).Collect(false)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	resp, err := client.Enroll(ctx, hc, *server, k.Signer, tok, t.Identity.Hostname, t.Identity.HWUUID)
	if err != nil {
		fmt.Fprintln(stderr, "pulse-agent enroll:", err)
		return 1
	}
	normFP := ""
	if pin.Fingerprint != "" {
		normFP, _ = client.NormalizeFingerprint(pin.Fingerprint)
	}
	s := &settings.Settings{Server: *server, ServerFingerprint: normFP, CAFile: pin.CAFile, KeyPath: kp,
		Fingerprint: resp.Fingerprint, Interval: *interval, EnrolledAt: resp.EnrolledAt}
	if err := settings.Save(dir, s); err != nil {
		fmt.Fprintln(stderr, "pulse-agent enroll:", err)
		return 1
	}
	log.Info("enrolled", "fingerprint", resp.Fingerprint, "server", *server, "settings", filepath.Join(dir, settings.File))
	fmt.Fprintln(stdout, resp.Fingerprint)
	return 0
}

// loaded is an enrolled agent's settings, key and reporter.
type loaded struct {
	s        *settings.Settings
	key      *keys.Key
	rep      *client.Reporter
	interval time.Duration
}

func load(configDir, stateDir string) (*loaded, error) {
	s, err := settings.Load(configDir)
	if err != nil {
		return nil, err
	}
	iv, err := s.ReportInterval()
	if err != nil {
		return nil, err
	}
	k, err := keys.Load(s.KeyPath)
	if err != nil {
		return nil, err
	}
	hc, err := client.HTTP(client.Pin{Fingerprint: s.ServerFingerprint, CAFile: s.CAFile}, 15*time.Second)
	if err != nil {
		return nil, err
	}
	if stateDir == "" {
		stateDir = configDir
	}
	rep, err := client.NewReporter(hc, s.Server, k.Signer, stateDir)
	if err != nil {
		return nil, err
	}
	return &loaded{s: s, key: k, rep: rep, interval: iv}, nil
}

func runRun(args []string, _ io.Reader, _, stderr io.Writer) int {
	fs := newFlags("run", stderr)
	configDir := fs.String("config-dir", settings.DefaultDir, "where agent.json and the key live")
	stateDir := fs.String("state-dir", "", "where the seq and the spool live (default: the config dir)")
	logLevel := fs.String("log-level", "info", "trace, debug, info, warn, error")
	mf := addModuleFlags(fs)
	if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
		return 2
	}
	log := logger(stderr, *logLevel)
	lowFootprint()
	body := func(ctx context.Context) error {
		l, err := load(*configDir, *stateDir)
		if err != nil {
			return err
		}
		mods, err := mf.resolve(l.s, log)
		if err != nil {
			return err
		}
		log.Info("reporting", "server", l.s.Server, "fingerprint", l.key.Fingerprint(), "interval", l.interval)
		col := collect.New(collect.Options{Version: version, Interval: l.interval, Fingerprint: l.key.Fingerprint(), Modules: mods.modules()})
		go runCommands(ctx, l, mods, log)
		return runner.Run(ctx, runner.Config{Reporter: l.rep, Collector: col, Interval: l.interval, Log: log})
	}
	if ok, err := service.RunAsService(body); ok || err != nil {
		if err != nil {
			log.Error("service failed", "error", err)
			return 1
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := body(ctx); err != nil {
		log.Error("pulse-agent stopped", "error", err)
		return 1
	}
	return 0
}

func runReport(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("report", stderr)
	once := fs.Bool("once", false, "send one full report now and exit (required)")
	configDir := fs.String("config-dir", settings.DefaultDir, "where agent.json and the key live")
	stateDir := fs.String("state-dir", "", "where the seq lives (default: the config dir)")
	mf := addModuleFlags(fs)
	if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
		return 2
	}
	if !*once {
		fmt.Fprintln(stderr, "pulse-agent report: only --once is supported (the service is `pulse-agent run`)")
		return 2
	}
	l, err := load(*configDir, *stateDir)
	if err != nil {
		fmt.Fprintln(stderr, "pulse-agent report:", err)
		return 1
	}
	mods, err := mf.resolve(l.s, logger(stderr, "warn"))
	if err != nil {
		fmt.Fprintln(stderr, "pulse-agent report:", err)
		return 1
	}
	col := collect.New(collect.Options{Version: version, Interval: l.interval, Fingerprint: l.key.Fingerprint(), Modules: mods.modules()})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := l.rep.Send(ctx, agentwire.KindFull, col.Collect(true)); err != nil {
		fmt.Fprintln(stderr, "pulse-agent report:", err)
		return 1
	}
	fmt.Fprintln(stdout, "report accepted")
	return 0
}

func runPrint(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("print", stderr)
	configDir := fs.String("config-dir", settings.DefaultDir, "where agent.json and the key live (optional for print)")
	root := fs.String("root", "/", "read /proc, /sys and /etc under this directory (fixtures)")
	kind := fs.String("kind", agentwire.KindFull, "full or metrics")
	mf := addModuleFlags(fs)
	if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
		return 2
	}
	o := collect.Options{Version: version, Interval: 30 * time.Second, Root: *root}
	s, err := settings.Load(*configDir)
	if err == nil {
		if k, err := keys.Load(s.KeyPath); err == nil {
			o.Fingerprint = k.Fingerprint()
		}
		o.Interval, _ = s.ReportInterval()
	} else {
		s = nil
	}
	mods, err := mf.resolve(s, logger(stderr, "warn"))
	if err != nil {
		fmt.Fprintln(stderr, "pulse-agent print:", err)
		return 1
	}
	o.Modules = mods.modules()
	rep := agentwire.Report{Fingerprint: o.Fingerprint, Seq: 0, SentAt: time.Now().UTC().Format(time.RFC3339), Kind: *kind,
		Telemetry: collect.New(o).Collect(*kind == agentwire.KindFull)}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(stderr, "pulse-agent print:", err)
		return 1
	}
	return 0
}

func serviceFlags(fs *flag.FlagSet) (target, root *string, spec func() service.Spec) {
	target = fs.String("target", service.DefaultTarget(), "systemd, launchd or windows")
	root = fs.String("root", "/", "write into this staging directory instead of the system (tests, packaging)")
	bin := fs.String("binary", "", "where the service's pulse-agent binary goes (default per target)")
	cfg := fs.String("config-dir", "", "the service's config dir (default per target, /etc/pulse)")
	st := fs.String("state-dir", "", "the service's state dir (default per target)")
	return target, root, func() service.Spec {
		s := service.DefaultSpec(*target)
		if *bin != "" {
			s.Binary = *bin
		}
		if *cfg != "" {
			s.ConfigDir = *cfg
		}
		if *st != "" {
			s.StateDir = *st
		}
		return s
	}
}

func runInstall(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("install", stderr)
	target, root, spec := serviceFlags(fs)
	if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
		return 2
	}
	s := spec()
	if *root == "/" {
		if _, err := settings.Load(s.ConfigDir); err != nil {
			fmt.Fprintln(stderr, "pulse-agent install:", err)
			return 1
		}
	}
	if err := service.Install(*target, *root, s, stdout); err != nil {
		fmt.Fprintln(stderr, "pulse-agent install:", err)
		return 1
	}
	return 0
}

func runUninstall(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("uninstall", stderr)
	target, root, spec := serviceFlags(fs)
	if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
		return 2
	}
	if err := service.Uninstall(*target, *root, spec(), stdout); err != nil {
		fmt.Fprintln(stderr, "pulse-agent uninstall:", err)
		return 1
	}
	return 0
}

// lowFootprint tunes the runtime for a small resident set: the agent does
// one thing at a time, so one P suffices, and a tighter GC target keeps the
// heap near its live size. GOGC, GOMEMLIMIT and GOMAXPROCS in the
// environment still win.
func lowFootprint() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(8 << 20)
	}
}
