// Command pulse-sim-proxmox-pbs serves a fake Proxmox Backup Server over
// HTTPS for the lab: three datastores with nested namespaces, one nearly
// full, protected, encrypted and failed-verification snapshots, a failed
// verify job, an overdue prune job, a failing sync and task errors. It
// prints the credentials and the certificate fingerprint, then exactly one
// line "READY https://<addr>" on stdout, and runs until SIGINT or SIGTERM.
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
	"github.com/pulsehost/pulse/plugins/proxmox-pbs/fakepbs"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-proxmox-pbs:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pulse-sim-proxmox-pbs", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:18007", "address to serve on")
	stores := fs.Int("datastores", 0, "generate this many healthy datastores instead of the lab model")
	snaps := fs.Int("snapshots", 25000, "with -datastores: snapshots per datastore (spread over namespaces and groups)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	epoch := time.Now().UTC().Truncate(time.Hour)
	m := fakepbs.Lab(epoch)
	if *stores > 0 {
		m = fakepbs.Generate(fakepbs.Spec{Datastores: *stores, Namespaces: 2, Groups: 20, Snapshots: max(*snaps/100, 1), Epoch: epoch})
	}
	f := fakepbs.New(m, fakeapi.Options{})
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
	fmt.Fprintf(stdout, "backup server %q: %d datastores\n", m.Node, len(m.Datastores))
	fmt.Fprintf(stdout, "api token: token_id = %q, token_secret = %q\n", fakepbs.DefaultTokenID, fakepbs.DefaultTokenSecret)
	fmt.Fprintf(stdout, "login: username = %q, password = %q\n", fakepbs.DefaultUsername, fakepbs.DefaultPassword)
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
