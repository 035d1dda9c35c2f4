package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/alerts"
	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/config"
	"github.com/pulsehost/pulse/core/internal/daemon"
	"github.com/pulsehost/pulse/core/internal/database"
	"github.com/pulsehost/pulse/core/internal/notify"
)

// runAlerts is `pulse alerts list|ack|unack|silence|silences|unsilence`,
// a client of the running daemon's API.
func runAlerts(args []string, stdout, stderr io.Writer) int {
	sub := map[string]func([]string, io.Writer, io.Writer) int{
		"list": alertsList, "ack": alertsAck, "unack": alertsUnack,
		"silence": alertsSilence, "silences": alertsSilences, "unsilence": alertsUnsilence,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: pulse alerts list|ack|unack|silence|silences|unsilence [--config FILE | --api URL] ...")
		return 2
	}
	return sub[args[0]](args[1:], stdout, stderr)
}

// apiFlags are the flags naming the daemon to talk to.
type apiFlags struct {
	files stringList
	api   string
	done  func()
}

func (a *apiFlags) register(fs *flag.FlagSet) {
	fs.Var(&a.files, "config", "configuration file of the daemon (its server.listen is the API address)")
	fs.StringVar(&a.api, "api", "", "the daemon's API base URL, e.g. http://127.0.0.1:7655 (instead of --config)")
}

// alertsClient is the client call uses: the session's, with its token.
var alertsClient = &http.Client{Timeout: 30 * time.Second}

// base returns the API base URL and prepares call's client (its token: see
// openAPISession); done ends the session.
func (a *apiFlags) base(stderr io.Writer) (string, bool) {
	var cfg *config.Config
	if a.api == "" {
		if len(a.files) == 0 {
			fmt.Fprintln(stderr, "name the daemon: --config FILE (its server.listen) or --api http://127.0.0.1:7655")
			return "", false
		}
		var ok bool
		if cfg, ok = loadConfig(a.files, stderr); !ok {
			return "", false
		}
	}
	sess, err := openAPISession(cfg, strings.TrimRight(a.api, "/"), auth.ScopeControl, "alerts", 30*time.Second)
	if err != nil {
		fmt.Fprintln(stderr, "pulse:", err)
		return "", false
	}
	a.done = sess.Close
	alertsClient = sess.Client
	return sess.Base, true
}

// close ends the API session base opened.
func (a *apiFlags) close() {
	if a.done != nil {
		a.done()
	}
}

// call does one API request and decodes the JSON answer into out.
func call(method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := alertsClient.Do(req)
	if err != nil {
		return fmt.Errorf("is pulse serve running? %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s", e.Error)
		}
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

func alertsList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af apiFlags
	af.register(fs)
	format := fs.String("format", "table", "table or json")
	state := fs.String("state", "", "pending or firing")
	sev := fs.String("severity", "", "info, warning or critical")
	src := fs.String("source", "", "rule, platform, connection, plugin, stale, backup, agent")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "pulse alerts list: --format %q is not table or json\n", *format)
		return 2
	}
	base, ok := af.base(stderr)
	defer af.close()
	if !ok {
		return 1
	}
	q := url.Values{}
	for k, v := range map[string]string{"state": *state, "severity": *sev, "source": *src} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("limit", "10000")
	var page struct {
		Alerts []alerts.Alert `json:"alerts"`
	}
	if err := call(http.MethodGet, base+"/api/v1/alerts?"+q.Encode(), nil, &page); err != nil {
		fmt.Fprintln(stderr, "pulse alerts list:", err)
		return 1
	}
	list := page.Alerts
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(list)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tSTATE\tSINCE\tACK\tID\tMESSAGE")
	for _, a := range list {
		ack := "-"
		if a.Ack != nil {
			ack = a.Ack.By
		}
		st := string(a.State)
		if a.Silenced {
			st += " (silenced)"
		}
		if a.Flapping {
			st += " (flapping)"
		}
		if a.Held != "" {
			st += " (held)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Severity, st, a.Since.Local().Format(time.DateTime), ack, a.ID, a.Message)
	}
	_ = tw.Flush()
	return 0
}

func alertsAck(args []string, stdout, stderr io.Writer) int {
	return ackCmd("ack", args, stdout, stderr)
}
func alertsUnack(args []string, stdout, stderr io.Writer) int {
	return ackCmd("unack", args, stdout, stderr)
}

func ackCmd(what string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af apiFlags
	af.register(fs)
	by := fs.String("by", "", "who acknowledges (required)")
	comment := fs.String("comment", "", "why, what is being done")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *by == "" {
		fmt.Fprintf(stderr, "usage: pulse alerts %s [--config FILE | --api URL] --by NAME [--comment TEXT] ALERT_ID\n", what)
		return 2
	}
	base, ok := af.base(stderr)
	defer af.close()
	if !ok {
		return 1
	}
	var a alerts.Alert
	if err := call(http.MethodPost, base+"/api/v1/alerts/"+what, map[string]string{"id": fs.Arg(0), "by": *by, "comment": *comment}, &a); err != nil {
		fmt.Fprintf(stderr, "pulse alerts %s: %v\n", what, err)
		return 1
	}
	fmt.Fprintf(stdout, "%sed %s (%s, %s)\n", what, a.ID, a.Severity, a.State)
	return 0
}

func alertsSilence(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts silence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af apiFlags
	af.register(fs)
	var m alerts.Matcher
	fs.StringVar(&m.AlertID, "alert", "", "an alert id")
	fs.StringVar(&m.Rule, "rule", "", "a rule name")
	fs.StringVar(&m.Source, "source", "", "an alert source")
	fs.StringVar(&m.Resource, "resource", "", "a resource id")
	fs.StringVar(&m.Name, "name", "", "a glob over resource names, e.g. 'web-*'")
	fs.StringVar(&m.Type, "type", "", "a resource type")
	fs.StringVar(&m.Platform, "platform", "", "a platform id")
	fs.StringVar(&m.Connection, "connection", "", "a connection name")
	fs.StringVar(&m.Severity, "severity", "", "a severity")
	fs.StringVar(&m.Label, "label", "", "a resource label (tag)")
	dur := fs.Duration("for", 0, "how long, e.g. 2h (required)")
	by := fs.String("by", "", "who silences (required)")
	comment := fs.String("comment", "", "why")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	if *dur <= 0 || *by == "" {
		fmt.Fprintln(stderr, "usage: pulse alerts silence [--config FILE | --api URL] --for 2h --by NAME [--comment TEXT] --resource ID|--rule NAME|--name GLOB|...")
		return 2
	}
	base, ok := af.base(stderr)
	defer af.close()
	if !ok {
		return 1
	}
	var s alerts.Silence
	body := map[string]any{"matcher": m, "duration": dur.String(), "created_by": *by, "comment": *comment}
	if err := call(http.MethodPost, base+"/api/v1/silences", body, &s); err != nil {
		fmt.Fprintln(stderr, "pulse alerts silence:", err)
		return 1
	}
	fmt.Fprintf(stdout, "silence %s until %s\n", s.ID, s.EndsAt.Local().Format(time.DateTime))
	return 0
}

func alertsSilences(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts silences", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af apiFlags
	af.register(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	base, ok := af.base(stderr)
	defer af.close()
	if !ok {
		return 1
	}
	var list []alerts.Silence
	if err := call(http.MethodGet, base+"/api/v1/silences", nil, &list); err != nil {
		fmt.Fprintln(stderr, "pulse alerts silences:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(list)
	return 0
}

func alertsUnsilence(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts unsilence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af apiFlags
	af.register(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: pulse alerts unsilence [--config FILE | --api URL] SILENCE_ID")
		return 2
	}
	base, ok := af.base(stderr)
	defer af.close()
	if !ok {
		return 1
	}
	if err := call(http.MethodDelete, base+"/api/v1/silences/"+url.PathEscape(fs.Arg(0)), nil, nil); err != nil {
		fmt.Fprintln(stderr, "pulse alerts unsilence:", err)
		return 1
	}
	fmt.Fprintln(stdout, "removed silence", fs.Arg(0))
	return 0
}

// runNotify is `pulse notify test --config FILE NOTIFIER`: a test
// notification through the outbox in data_dir's database, the same path
// (and code) live alerts take.
func runNotify(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprintln(stderr, "usage: pulse notify test --config FILE NOTIFIER")
		return 2
	}
	fs := flag.NewFlagSet("notify test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 1 || len(files) == 0 {
		fmt.Fprintln(stderr, "usage: pulse notify test --config FILE NOTIFIER")
		return 2
	}
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return 1
	}
	senders, err := notify.Senders(cfg.Notifiers)
	if err != nil {
		fmt.Fprintln(stderr, "pulse notify test:", err)
		return 1
	}
	if err := os.MkdirAll(cfg.Server.DataDir, 0o750); err != nil {
		fmt.Fprintln(stderr, "pulse notify test: data_dir:", err)
		return 1
	}
	db, err := database.Open(filepath.Join(cfg.Server.DataDir, daemon.DatabaseFile), 1)
	if err != nil {
		fmt.Fprintln(stderr, "pulse notify test:", err)
		return 1
	}
	defer db.Close()
	ctx := context.Background()
	ob, err := notify.OpenOutbox(ctx, db, senders, hclog.NewNullLogger())
	if err != nil {
		fmt.Fprintln(stderr, "pulse notify test:", err)
		return 1
	}
	d, err := notify.NewService(ob, cfg.Routes, hclog.NewNullLogger()).Test(ctx, fs.Arg(0), time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "pulse notify test:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(d)
	if d.State != notify.StateDone {
		fmt.Fprintf(stderr, "pulse notify test: %s did not deliver: %s\n", fs.Arg(0), d.LastError)
		return 1
	}
	return 0
}
