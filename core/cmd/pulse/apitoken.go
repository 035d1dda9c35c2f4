package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pulsehost/pulse/core/internal/auth"
	"github.com/pulsehost/pulse/core/internal/daemon"
)

// runAPIToken is `pulse apitoken create|list|revoke`: operator API tokens,
// kept (as hashes) in data_dir/pulse.db. It works while `pulse serve` runs.
func runAPIToken(args []string, stdout, stderr io.Writer) int {
	const usage = `usage:
  pulse apitoken create --config FILE --scope read|control|admin [--ttl 30d] [--label TEXT]
  pulse apitoken list   --config FILE [--format table|json]
  pulse apitoken revoke --config FILE ID`
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("apitoken "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (repeatable); its server.data_dir holds the tokens")
	var scope, ttl, label, format *string
	switch sub {
	case "create":
		scope = fs.String("scope", "", "read, control or admin (required)")
		ttl = fs.String("ttl", "", "lifetime, e.g. 12h, 30d; empty never expires")
		label = fs.String("label", "", "a note saying who or what uses the token")
	case "list":
		format = fs.String("format", "table", "table or json")
	case "revoke":
	default:
		fmt.Fprintf(stderr, "pulse apitoken: unknown subcommand %q\n%s\n", sub, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return 1
	}
	ctx := context.Background()
	st, closeDB, err := openAuthStore(ctx, cfg.Server.DataDir)
	if err != nil {
		fmt.Fprintln(stderr, "pulse apitoken:", err)
		return 1
	}
	defer closeDB()
	switch sub {
	case "create":
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "pulse apitoken create: unexpected argument %q\n", fs.Arg(0))
			return 2
		}
		sc, err := auth.ParseScope(*scope)
		if *scope == "" {
			err = errors.New("--scope is required: read, control or admin")
		}
		if err != nil {
			fmt.Fprintln(stderr, "pulse apitoken create:", err)
			return 2
		}
		d, err := parseTTL(*ttl)
		if err != nil {
			fmt.Fprintln(stderr, "pulse apitoken create:", err)
			return 2
		}
		secret, tok, err := st.CreateToken(ctx, sc, *label, d)
		if err != nil {
			fmt.Fprintln(stderr, "pulse apitoken:", err)
			return 1
		}
		exp := "never"
		if tok.ExpiresAt != nil {
			exp = tok.ExpiresAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stderr, "created API token %s (scope %s, expires %s). It is shown once, below; only its hash is kept.\n", tok.ID, tok.Scope, exp)
		fmt.Fprintln(stdout, secret)
		return 0
	case "list":
		toks, err := st.Tokens(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "pulse apitoken:", err)
			return 1
		}
		if *format == "json" {
			if toks == nil {
				toks = []auth.Token{}
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(map[string]any{"tokens": toks})
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSCOPE\tSTATE\tLABEL\tCREATED\tEXPIRES\tLAST USED")
		now := time.Now()
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Scope, t.State(now), t.Label, t.CreatedAt.Format(time.RFC3339), timeOr(t.ExpiresAt, "never"), timeOr(t.LastUsedAt, "-"))
		}
		_ = tw.Flush()
		return 0
	default: // revoke
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "pulse apitoken revoke: name one token id (see `pulse apitoken list`)")
			return 2
		}
		if err := st.RevokeToken(ctx, fs.Arg(0)); err != nil {
			fmt.Fprintln(stderr, "pulse apitoken:", err)
			return 1
		}
		fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
		return 0
	}
}

func openAuthStore(ctx context.Context, dataDir string) (*auth.Store, func(), error) {
	if err := daemon.SecureDataDir(dataDir, nopLogger()); err != nil {
		return nil, nil, err
	}
	st, db, err := daemon.OpenAuth(ctx, dataDir)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { _ = db.Close() }, nil
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.RFC3339)
}

// parseTTL reads a Go duration or a number of days ("30d").
func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("--ttl %q: write a positive number of days (30d) or a duration (12h)", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--ttl %q: write a positive number of days (30d) or a duration (12h, 90m)", s)
	}
	return d, nil
}
