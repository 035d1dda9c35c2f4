package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pulsehost/pulse/core/internal/agentgw"
	"github.com/pulsehost/pulse/core/internal/config"
)

// openAgentsDB parses --config and opens the agents tables in its data_dir;
// it works while `pulse serve` runs on the same data_dir.
func openAgentsDB(files []string, stderr io.Writer) (*config.Config, func(), *sql.DB, bool) {
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return nil, nil, nil, false
	}
	if err := os.MkdirAll(cfg.Server.DataDir, 0o750); err != nil {
		fmt.Fprintf(stderr, "pulse: data_dir %s: %v\n", cfg.Server.DataDir, err)
		return nil, nil, nil, false
	}
	db, err := agentgw.OpenDB(context.Background(), cfg.Server.DataDir)
	if err != nil {
		fmt.Fprintln(stderr, "pulse:", err)
		return nil, nil, nil, false
	}
	return cfg, func() { db.Close() }, db, true
}

// labelFlags is a repeatable --label k=v flag.
type labelFlags map[string]string

func (l labelFlags) String() string { return "" }
func (l labelFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("label %q is not key=value", v)
	}
	l[k] = val
	return nil
}

func runToken(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: pulse token create|list|revoke --config FILE ...")
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (repeatable)")
	switch sub {
	case "create":
		ttl := fs.Duration("ttl", 15*time.Minute, "how long the token may enroll (e.g. 15m)")
		uses := fs.Int("uses", 1, "how many agents it may enroll")
		labels := labelFlags{}
		fs.Var(labels, "label", "key=value label given to agents it enrolls (repeatable)")
		if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
			return 2
		}
		_, closeDB, db, ok := openAgentsDB(files, stderr)
		if !ok {
			return 1
		}
		defer closeDB()
		tok, t, err := agentgw.CreateToken(context.Background(), db, *ttl, *uses, labels, time.Now())
		if err != nil {
			fmt.Fprintln(stderr, "pulse token create:", err)
			return 1
		}
		fmt.Fprintf(stdout, "token %s: %d use(s), expires %s; it is shown once, only its hash is stored:\n", t.ID, t.MaxUses, t.ExpiresAt.Format(time.RFC3339))
		fmt.Fprintln(stdout, tok)
		return 0
	case "list":
		format := fs.String("format", "table", "table or json")
		if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
			return 2
		}
		_, closeDB, db, ok := openAgentsDB(files, stderr)
		if !ok {
			return 1
		}
		defer closeDB()
		toks, err := agentgw.ListTokens(context.Background(), db)
		if err != nil {
			fmt.Fprintln(stderr, "pulse token list:", err)
			return 1
		}
		if *format == "json" {
			return printJSON(stdout, toks)
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSTATE\tUSES\tEXPIRES\tLABELS")
		now := time.Now()
		for _, t := range toks {
			fmt.Fprintf(w, "%s\t%s\t%d/%d\t%s\t%s\n", t.ID, t.State(now), t.Uses, t.MaxUses, t.ExpiresAt.Format(time.RFC3339), labelString(t.Labels))
		}
		_ = w.Flush()
		return 0
	case "revoke":
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "usage: pulse token revoke --config FILE TOKEN-ID")
			return 2
		}
		_, closeDB, db, ok := openAgentsDB(files, stderr)
		if !ok {
			return 1
		}
		defer closeDB()
		if err := agentgw.RevokeToken(context.Background(), db, fs.Arg(0), time.Now()); err != nil {
			fmt.Fprintln(stderr, "pulse token revoke:", err)
			return 1
		}
		fmt.Fprintf(stdout, "token %s revoked\n", fs.Arg(0))
		return 0
	}
	fmt.Fprintf(stderr, "pulse token: unknown subcommand %q (create, list, revoke)\n", sub)
	return 2
}

func runAgent(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: pulse agent add|list|revoke|server-fingerprint --config FILE ...")
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("agent "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (repeatable)")
	switch sub {
	case "add":
		pubkey := fs.String("pubkey", "", "the agent's public key file (.pub)")
		if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
			return 2
		}
		if *pubkey == "" {
			fmt.Fprintln(stderr, "pulse agent add: --pubkey FILE is required")
			return 2
		}
		b, err := os.ReadFile(*pubkey)
		if err != nil {
			fmt.Fprintln(stderr, "pulse agent add:", err)
			return 1
		}
		_, closeDB, db, ok := openAgentsDB(files, stderr)
		if !ok {
			return 1
		}
		defer closeDB()
		fp, err := agentgw.AddAgent(context.Background(), db, string(b), time.Now())
		if err != nil {
			fmt.Fprintln(stderr, "pulse agent add:", err)
			return 1
		}
		fmt.Fprintln(stdout, fp)
		return 0
	case "list":
		format := fs.String("format", "table", "table or json")
		if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
			return 2
		}
		_, closeDB, db, ok := openAgentsDB(files, stderr)
		if !ok {
			return 1
		}
		defer closeDB()
		list, err := agentgw.ListAgents(context.Background(), db, time.Now())
		if err != nil {
			fmt.Fprintln(stderr, "pulse agent list:", err)
			return 1
		}
		if *format == "json" {
			return printJSON(stdout, list)
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "FINGERPRINT\tHOSTNAME\tSTATE\tVIA\tENROLLED\tLAST REPORT\tSEQ")
		for _, a := range list {
			last := "-"
			if a.LastReport != nil {
				last = a.LastReport.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", a.Fingerprint, a.Hostname, a.State, a.EnrolledVia, a.EnrolledAt.Format(time.RFC3339), last, a.LastSeq)
		}
		_ = w.Flush()
		return 0
	case "revoke":
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "usage: pulse agent revoke --config FILE FINGERPRINT")
			return 2
		}
		_, closeDB, db, ok := openAgentsDB(files, stderr)
		if !ok {
			return 1
		}
		defer closeDB()
		if err := agentgw.RevokeAgent(context.Background(), db, fs.Arg(0), time.Now()); err != nil {
			fmt.Fprintln(stderr, "pulse agent revoke:", err)
			return 1
		}
		fmt.Fprintf(stdout, "agent %s revoked; its reports are refused from now on\n", fs.Arg(0))
		return 0
	case "server-fingerprint":
		if err := fs.Parse(args); err != nil || !noArgs(fs, stderr) {
			return 2
		}
		cfg, ok := loadConfig(files, stderr)
		if !ok {
			return 1
		}
		if cfg.Server.AgentListen == "" && cfg.Server.TLSCert == "" {
			fmt.Fprintln(stderr, "pulse agent server-fingerprint: the server block sets no agent_listen; add agent_listen = \"host:port\"")
			return 1
		}
		fp, err := agentgw.ReadCertFingerprint(cfg.Server.DataDir, cfg.Server.TLSCert)
		if err != nil {
			fmt.Fprintln(stderr, "pulse agent server-fingerprint:", err)
			return 1
		}
		fmt.Fprintln(stdout, fp)
		return 0
	}
	fmt.Fprintf(stderr, "pulse agent: unknown subcommand %q (add, list, revoke, server-fingerprint)\n", sub)
	return 2
}

func noArgs(fs *flag.FlagSet, stderr io.Writer) bool {
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pulse %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false
	}
	return true
}

func labelString(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}
