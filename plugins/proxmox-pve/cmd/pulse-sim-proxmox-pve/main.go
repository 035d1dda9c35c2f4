// Command pulse-sim-proxmox-pve serves a fake Proxmox VE cluster over HTTPS
// for the lab: a self-signed certificate made at start, the lab token and
// login, guests whose CPU and memory move a little with every request. It
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

	"github.com/pulsehost/pulse/plugins/proxmox-pve/fakepve"
	"github.com/pulsehost/pulse/plugins/sdk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-proxmox-pve:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pulse-sim-proxmox-pve", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:18006", "address to serve on")
	nodes := fs.Int("nodes", 3, "cluster members")
	guests := fs.Int("guests", 30, "qemu and lxc guests (a quarter are lxc)")
	ceph := fs.Bool("ceph", true, "give the cluster Ceph")
	name := fs.String("cluster", "lab", "cluster name")
	demo := fs.Duration("alerts-demo", 2*time.Minute, "alerts walkthrough: a guest's memory high and normal for this long in turn, and a failed backup followed by a good one (0: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	c := fakepve.Generate(fakepve.Spec{Name: *name, Nodes: *nodes, Guests: *guests, Ceph: *ceph, Epoch: time.Now().UTC().Truncate(time.Hour)})
	f := fakepve.New(c, fakepve.Options{Lively: true})
	cert, err := f.Certificate()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           f.Handler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()

	fp := sha256.Sum256(cert.Certificate[0])
	fmt.Fprintf(stdout, "cluster %q: %d nodes, %d guests, ceph %v\n", *name, *nodes, *guests, *ceph)
	fmt.Fprintf(stdout, "api token: token_id = %q, token_secret = %q\n", fakepve.DefaultTokenID, fakepve.DefaultTokenSecret)
	fmt.Fprintf(stdout, "login: username = %q, password = %q\n", fakepve.DefaultUsername, fakepve.DefaultPassword)
	fmt.Fprintf(stdout, "tls fingerprint (sha256): %s\n", sdk.FormatFingerprint(fp[:]))
	if *demo > 0 {
		go alertsDemo(ctx, f, *demo, 2*(*demo)+time.Minute, stdout)
	}
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
