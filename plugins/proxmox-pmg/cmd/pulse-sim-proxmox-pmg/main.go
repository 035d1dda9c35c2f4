// Command pulse-sim-proxmox-pmg serves a fake Proxmox Mail Gateway over
// HTTPS for the lab: a two-node cluster whose second node has a deferred
// backlog (a partner's server answering 451) and messages on hold, with
// quarantines and mail statistics. It prints the login and the certificate
// fingerprint, then exactly one line "READY https://<addr>" on stdout, and
// runs until SIGINT or SIGTERM.
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

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
	"github.com/pulsehost/pulse/plugins/proxmox-pmg/fakepmg"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-proxmox-pmg:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pulse-sim-proxmox-pmg", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:18008", "address to serve on")
	nodes := fs.Int("nodes", 0, "generate a healthy cluster of this many nodes instead of the lab model")
	if err := fs.Parse(args); err != nil {
		return err
	}
	epoch := time.Now().UTC().Truncate(time.Hour)
	m := fakepmg.Lab(epoch)
	if *nodes > 0 {
		m = fakepmg.Generate(*nodes, epoch)
	}
	f := fakepmg.New(m, fakeapi.Options{})
	cert, err := f.Certificate()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           f,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()

	fp := sha256.Sum256(cert.Certificate[0])
	fmt.Fprintf(stdout, "mail gateway: %d nodes (master %s)\n", len(m.Nodes), m.Nodes[0].Name)
	fmt.Fprintf(stdout, "login: username = %q, password = %q\n", fakepmg.DefaultUsername, fakepmg.DefaultPassword)
	fmt.Fprintf(stdout, "tls fingerprint (sha256): %s\n", sdk.FormatFingerprint(fp[:]))
	fmt.Fprintf(stdout, "READY https://%s\n", ln.Addr())

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
