// Command pulse-sim-truenas serves a fake TrueNAS middleware (package
// faketruenas) for the lab: JSON-RPC 2.0 over WebSocket at /api/current,
// over TLS with a certificate made at start. The default model has a
// degraded pool with a faulted disk, a hot disk, a failed SMART test, a
// failed replication, a dismissed alert and a crashed app. It prints the
// API key and the certificate fingerprint, then exactly one line
// "READY wss://<addr>/api/current" on stdout, and runs until SIGINT or
// SIGTERM.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-truenas:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pulse-sim-truenas", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:18444", "address to serve on")
	version := fs.String("version", "25.10.1", "TrueNAS version to present (25.04.x uses zfs.snapshot.*, 25.10+ pool.snapshot.*)")
	insecure := fs.Bool("insecure", false, "serve plain ws:// instead of wss:// (keys sent over it are revoked, as TrueNAS does)")
	key := fs.String("api-key", faketruenas.DefaultAPIKey, "the API key accepted")
	bench := fs.Bool("bench", false, "serve the benchmark estate: 50 disks, 5,000 datasets, 20,000 snapshots, 100 apps")
	deploy := fs.Duration("deploy", 500*time.Millisecond, "how long a started app stays DEPLOYING")
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec := faketruenas.Spec{Version: *version, Epoch: time.Now().UTC().Truncate(time.Hour)}
	if *bench {
		spec.Pools, spec.DisksPerPool, spec.Datasets, spec.Snapshots, spec.Apps = 5, 10, 5000, 20000, 100
	}
	f := faketruenas.New(faketruenas.Generate(spec), faketruenas.Options{APIKey: *key, DeployDuration: *deploy})
	defer f.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: f.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	scheme := "ws"
	if *insecure {
		go func() { errc <- srv.Serve(ln) }()
	} else {
		cert, err := faketruenas.SelfSigned()
		if err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
		scheme = "wss"
		fp := sha256.Sum256(cert.Certificate[0])
		fmt.Fprintf(stdout, "tls fingerprint (sha256): %s\n", sdk.FormatFingerprint(fp[:]))
	}
	fmt.Fprintf(stdout, "truenas %s (fake), api_key = %q\n", *version, *key)
	fmt.Fprintf(stdout, "READY %s://%s/api/current\n", scheme, ln.Addr())
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f.Close()
	return srv.Shutdown(sctx)
}
