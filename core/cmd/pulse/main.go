// Command pulse is the Pulse platform host: a daemon that polls platform
// plugins into a unified resource store and serves it over HTTP, and the CLI
// operators use to validate configuration, inspect the governed platform
// model and plugins, and test one connection.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"serve":     {"run the daemon: poll every configured connection and serve the API", runServe},
	"validate":  {"check configuration files and exit non-zero with diagnostics", runValidate},
	"platforms": {"print the governed support and projection matrices", runPlatforms},
	"plugins":   {"list the plugins found, their versions, declarations and problems", runPlugins},
	"poll":      {"test one connection: Check and one Collect through the real plugin, as JSON", runPoll},
	"lab":       {"start the platform simulators and the core against examples/lab.hcl", runLab},
	"action":    {"ask the running core to perform a control action on a resource (checked and audited)", runAction},
	"mcp":       {"serve the assistant (MCP) tools over stdio from the running core's API", runMCP},
	"version":   {"print the version", runVersion},
	"token":     {"provisioning tokens for pulse-agent enrollment: create, list, revoke", runToken},
	"agent":     {"enrolled pulse-agents: add (by public key), list, revoke, server-fingerprint", runAgent},
	"apitoken":  {"create, list and revoke operator API tokens (scopes read, control, admin)", runAPIToken},
	"user":      {"add, change, list and remove local dashboard users", runUser},
	"reload":    {"make the running core re-read its configuration (like SIGHUP)", runReload},
	"alerts":    {"list, acknowledge and silence alerts of the running daemon (list|ack|unack|silence|silences|unsilence)", runAlerts},
	"notify":    {"send a test notification through the outbox: notify test --config FILE NOTIFIER", runNotify},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "pulse: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pulse <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'pulse <command> -h' for a command's flags.")
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "pulse version: takes no arguments, got %q\n", strings.Join(args, " "))
		return 2
	}
	fmt.Fprintf(stdout, "pulse %s\n", version)
	return 0
}

// errUsage marks an error already reported by the flag package.
var errUsage = errors.New("usage")

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
