// Command pulse-sim-kubernetes is the lab's fake Kubernetes API server (the
// fakeapi package over HTTPS): a cluster of -nodes nodes with the lab's
// deployments (and generic ones up to -pods pods), Velero backups and
// schedules, CSI volume snapshots and metrics.k8s.io, with faults for the
// alerts unless -no-faults. It writes a kubeconfig for the agent
// (--kubeconfig), prints "READY <url> kubeconfig=<path>" when it serves,
// and stops on SIGINT/SIGTERM, removing the kubeconfig.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/pulsehost/pulse/agent/internal/kube/fakeapi"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve the API on (port 0: any free port; the kubeconfig names it)")
	kubeconfig := flag.String("kubeconfig", filepath.Join(".lab", "kubeconfig"), "where to write the kubeconfig clients use")
	nodes := flag.Int("nodes", 4, "number of nodes")
	pods := flag.Int("pods", 0, "reach this many pods with generic deployments (0: only the lab's)")
	noFaults := flag.Bool("no-faults", false, "leave out the lab's faults (CrashLoopBackOff, image pull, OOM, NotReady node, failed backups)")
	flag.Parse()
	if *nodes < 1 || *pods < 0 {
		fmt.Fprintln(os.Stderr, "pulse-sim-kubernetes: -nodes must be at least 1 and -pods at least 0")
		os.Exit(2)
	}
	path, err := filepath.Abs(*kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-kubernetes:", err)
		os.Exit(1)
	}
	s, err := fakeapi.Serve(fakeapi.New(fakeapi.Options{Nodes: *nodes, Pods: *pods, Faults: !*noFaults}), *listen)
	if err == nil {
		err = s.WriteKubeconfig(path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-kubernetes:", err)
		os.Exit(1)
	}
	fmt.Printf("READY %s kubeconfig=%s\n", s.URL, path)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	_ = os.Remove(path)
	s.Close()
}
