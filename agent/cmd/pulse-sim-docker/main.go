// Command pulse-sim-docker is the lab's fake Docker Engine: the fakeengine
// package on a unix socket, populated with a small compose project, a
// failing job, an unhealthy container and a swarm service below its desired
// replicas. It prints "READY unix://<socket>" when it serves and stops on
// SIGINT/SIGTERM. --containers N adds N more generic containers.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/pulsehost/pulse/agent/internal/docker/fakeengine"
)

func main() {
	sock := flag.String("socket", filepath.Join(".lab", "docker.sock"), "unix socket to serve on")
	podman := flag.Bool("podman", false, "answer as Podman 5 (API 1.41, no swarm)")
	extra := flag.Int("containers", 0, "add this many generic containers (cost measurements)")
	flag.Parse()
	abs, err := filepath.Abs(*sock)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(abs), 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-docker:", err)
		os.Exit(1)
	}
	e := fakeengine.New(fakeengine.Options{Swarm: !*podman, Podman: *podman})
	Lab(e)
	e.Populate(*extra)
	if err := e.Serve(abs); err != nil {
		fmt.Fprintln(os.Stderr, "pulse-sim-docker:", err)
		os.Exit(1)
	}
	fmt.Printf("READY unix://%s\n", abs)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	_ = e.Close()
	_ = os.Remove(abs)
}

// Lab is the lab host's containers and service.
func Lab(e *fakeengine.Engine) {
	shop := func(svc string) map[string]string {
		return map[string]string{"com.docker.compose.project": "shop", "com.docker.compose.service": svc}
	}
	e.Add(&fakeengine.Container{Name: "shop-web-1", Image: "nginx:1.27", State: "running", Health: "healthy", MemUsed: 48 << 20, MemLimit: 512 << 20,
		PrivatePort: 80, PublicPort: 8080, Labels: shop("web")},
		&fakeengine.Container{Name: "shop-db-1", Image: "postgres:17", State: "running", Health: "healthy", MemUsed: 940 << 20, MemLimit: 1 << 30, Labels: shop("db")},
		&fakeengine.Container{Name: "shop-worker-1", Image: "shop/worker:2.3", State: "running", Health: "unhealthy", MemUsed: 120 << 20, Restarts: 2, Labels: shop("worker")},
		&fakeengine.Container{Name: "nightly-report", Image: "shop/report:2.3", State: "exited", ExitCode: 1},
		&fakeengine.Container{Name: "api.1.x7k2", Image: "shop/api:5", State: "running", MemUsed: 200 << 20,
			Labels: map[string]string{"com.docker.swarm.service.id": "lab0svcapi00000000000001", "com.docker.swarm.service.name": "api"}})
	e.AddService(&fakeengine.Service{ID: "lab0svcapi00000000000001", Name: "api", Image: "shop/api:5", Desired: 2, Running: 1})
}
