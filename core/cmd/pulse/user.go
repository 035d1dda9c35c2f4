package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/core/internal/auth"
)

// stdin is where passwords are read (a variable for tests).
var stdin io.Reader = os.Stdin

// runUser is `pulse user add|passwd|list|remove`: local users who sign in
// to the dashboard. Passwords are read from standard input, never from the
// command line (where ps would show them), and stored as argon2id hashes.
func runUser(args []string, stdout, stderr io.Writer) int {
	const usage = `usage:
  pulse user add    --config FILE --scope read|control|admin NAME   (password on stdin)
  pulse user passwd --config FILE NAME                              (password on stdin)
  pulse user list   --config FILE
  pulse user remove --config FILE NAME`
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files stringList
	fs.Var(&files, "config", "configuration file (repeatable); its server.data_dir holds the users")
	var scope *string
	switch sub {
	case "add":
		scope = fs.String("scope", "", "read, control or admin (required)")
	case "passwd", "list", "remove":
	default:
		fmt.Fprintf(stderr, "pulse user: unknown subcommand %q\n%s\n", sub, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	wantArgs := 1
	if sub == "list" {
		wantArgs = 0
	}
	if fs.NArg() != wantArgs {
		fmt.Fprintf(stderr, "pulse user %s: takes %d name argument(s), got %d\n%s\n", sub, wantArgs, fs.NArg(), usage)
		return 2
	}
	cfg, ok := loadConfig(files, stderr)
	if !ok {
		return 1
	}
	ctx := context.Background()
	st, closeDB, err := openAuthStore(ctx, cfg.Server.DataDir)
	if err != nil {
		fmt.Fprintln(stderr, "pulse user:", err)
		return 1
	}
	defer closeDB()
	switch sub {
	case "add", "passwd":
		var sc auth.Scope
		if sub == "add" {
			if sc, err = auth.ParseScope(*scope); err != nil || *scope == "" {
				fmt.Fprintln(stderr, "pulse user add: --scope read, control or admin is required")
				return 2
			}
		}
		fmt.Fprintf(stderr, "password for %s (at least %d characters), then Enter: ", fs.Arg(0), auth.MinPasswordLen)
		pw, err := readPassword(stdin)
		fmt.Fprintln(stderr)
		if err != nil {
			fmt.Fprintln(stderr, "pulse user:", err)
			return 1
		}
		if sub == "add" {
			err = st.AddUser(ctx, fs.Arg(0), pw, sc)
		} else {
			err = st.SetPassword(ctx, fs.Arg(0), pw)
		}
		if err != nil {
			fmt.Fprintln(stderr, "pulse user:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: done\n", fs.Arg(0))
	case "list":
		us, err := st.Users(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "pulse user:", err)
			return 1
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSCOPE\tCREATED\tPASSWORD CHANGED")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Scope, u.CreatedAt.Format(time.RFC3339), u.UpdatedAt.Format(time.RFC3339))
		}
		_ = tw.Flush()
	case "remove":
		if err := st.RemoveUser(ctx, fs.Arg(0)); err != nil {
			fmt.Fprintln(stderr, "pulse user:", err)
			return 1
		}
		fmt.Fprintf(stdout, "removed %s\n", fs.Arg(0))
	}
	return 0
}

// readPassword reads one line (echo is the terminal's business: pipe the
// password in, e.g. from a password manager).
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password on standard input")
	}
	return pw, nil
}

func nopLogger() hclog.Logger { return hclog.NewNullLogger() }
