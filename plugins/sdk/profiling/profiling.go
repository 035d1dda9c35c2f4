// Package profiling serves Go's pprof endpoints on a loopback address named
// by an environment variable, so that the core and plugins can be profiled
// as the real binaries (CPU, heap, allocations) without a rebuild. Nothing
// is served unless the variable is set.
package profiling

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// CoreEnv names the address the core serves pprof on (e.g. 127.0.0.1:6060).
const CoreEnv = "PULSE_PPROF"

// PluginEnv names the address a plugin serves pprof on. It is a different
// variable from CoreEnv because plugins inherit the core's environment.
const PluginEnv = "PULSE_PLUGIN_PPROF"

// Start serves pprof on the address in environment variable env, when set.
// It refuses addresses that are not loopback, and reports (on stderr) why it
// could not listen; profiling never stops the program from running.
func Start(env string) {
	addr := os.Getenv(env)
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "%s=%q: want a loopback host:port such as 127.0.0.1:6060; not profiling\n", env, addr)
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v; not profiling\n", env, err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = http.Serve(ln, mux) }()
}
