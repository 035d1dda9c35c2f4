// Command pulse-sim-vmware-vsphere serves a simulated vCenter (govmomi's
// simulator, VPX mode) over HTTPS for the Pulse lab: by default a small
// model of two datacenters, each with two clusters of two ESXi hosts plus a
// standalone host, VMs and datastores; with -model, a model saved in the
// `govc object.save` format; with -bench, the benchmark model (4 clusters x
// 10 hosts, 1,000 VMs), saved under the system temp directory on first use.
// It prints the lab credentials, then exactly one line
// "READY https://ADDR/sdk" on stdout once serving (-listen 127.0.0.1:0
// picks a free port), and runs until SIGINT or SIGTERM.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/vmware-vsphere/internal/simlab"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18443", "address to serve the simulated vCenter on (keep it on loopback)")
	model := flag.String("model", "", "directory of a saved model (govc object.save format); default: a small built-in model")
	bench := flag.Bool("bench", false, "serve the benchmark model (4 clusters x 10 hosts, 1,000 VMs), cached under the system temp directory; the first run builds it (about 45 s)")
	scale := flag.Int("bench-scale", 1, "with -bench: VMs per resource pool times this (10: 10,000 VMs on the same 40 hosts, for measuring how costs grow; the first run builds it, several minutes)")
	flag.Parse()
	if *scale < 1 || *scale > 50 {
		fmt.Fprintf(os.Stderr, "pulse-sim-vmware-vsphere: -bench-scale %d: want 1 to 50\n", *scale)
		os.Exit(2)
	}
	if *bench && *model != "" {
		fmt.Fprintln(os.Stderr, "pulse-sim-vmware-vsphere: -bench and -model are exclusive")
		os.Exit(2)
	}
	if *bench {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*scale)*5*time.Minute)
		shape, version := simlab.Bench, simlab.BenchModelVersion
		if *scale > 1 {
			shape.VMsPerPool *= *scale
			version = fmt.Sprintf("%s-x%d", version, *scale)
		}
		dir, err := simlab.CachedModelDir(ctx, shape, version)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "pulse-sim-vmware-vsphere:", err)
			os.Exit(1)
		}
		*model = dir
	}
	// Our own models (the lab's and -bench) get memory sizes that fit the
	// simulator's performance samples; a saved real inventory keeps its own.
	if err := run(*listen, *model, *bench || *model == ""); err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-vmware-vsphere:", err)
		os.Exit(1)
	}
}

func run(listen, dir string, sizeMemory bool) error {
	if _, _, err := net.SplitHostPort(listen); err != nil {
		return fmt.Errorf("-listen %q: %w", listen, err)
	}
	var m *simulator.Model
	if dir != "" {
		var err error
		if m, err = simlab.Load(dir); err != nil {
			return err
		}
	} else {
		m = simlab.VPX(simlab.Small)
		if err := m.Create(); err != nil {
			return fmt.Errorf("create model: %w", err)
		}
	}
	if sizeMemory {
		simlab.SizeMemory(m) // memory usage in a sane range, not 1,000-28,000 %
	}
	defer m.Remove()
	srv, err := simlab.Serve(m, listen, simlab.User, simlab.Password)
	if err != nil {
		return err
	}
	defer srv.Close()

	n := m.Count()
	fmt.Fprintf(os.Stderr, "simulated vCenter (VPX): %d datacenters, %d clusters, %d hosts, %d VMs, %d datastores\n",
		n.Datacenter, n.Cluster, n.Host, n.Machine, n.Datastore)
	fmt.Fprintf(os.Stderr, "username: %s\npassword: %s\n", simlab.User, simlab.Password)
	fmt.Fprintf(os.Stderr, "TLS: self-signed; pin it with tls { fingerprint = \"%s\" }\n", fingerprint(srv))
	fmt.Printf("READY https://%s/sdk\n", srv.URL.Host)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}

// fingerprint is the SHA-256 fingerprint of the server certificate.
func fingerprint(srv *simulator.Server) string {
	sum := sha256.Sum256(srv.Certificate().Raw)
	return sdk.FormatFingerprint(sum[:])
}
