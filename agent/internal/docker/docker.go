// Package docker is the agent's docker module: it reads the container engine
// on the host (Docker, or Podman through its Docker-compatible socket) with
// the maintained Engine API client, negotiating the API version, and turns
// it into the telemetry's docker member: the engine, its containers with one
// stats snapshot per running container per cycle (bounded concurrency, no
// long-lived streams), swarm services, and the alerts it evaluates with the
// history it keeps. It also executes container start, stop and restart when
// the agent's commands are enabled.
package docker

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/pulsehost/pulse/core/agentwire"
)

// DefaultSocket is the engine's conventional unix socket.
const DefaultSocket = "unix:///var/run/docker.sock"

// Actions are the container actions the module executes.
var Actions = []string{"restart", "start", "stop"}

// Options configure a Module.
type Options struct {
	// Host is the engine address (unix:///path, tcp://host:port); "" uses
	// DOCKER_HOST, else DefaultSocket.
	Host string
	// Concurrency bounds the parallel stats and inspect calls (default 8).
	Concurrency int
	// Timeout bounds one collection (default 20s).
	Timeout time.Duration
	// Thresholds tune the alerts.
	Thresholds Thresholds
	// CommandsEnabled declares the container actions in the telemetry.
	CommandsEnabled bool
	// Now is the clock (tests).
	Now func() time.Time
}

// Module is the docker module. Collect is not safe for concurrent use with
// itself; Execute may run beside it.
type Module struct {
	o    Options
	host string
	cli  *client.Client

	prev     map[string]cpuSample     // container id -> last CPU sample
	inspects map[string]inspectCache  // container id -> last inspect
	restarts map[string][]restartMark // container id -> restart observations
}

type cpuSample struct{ total, system uint64 }

type inspectCache struct {
	key string
	c   container.InspectResponse
}

type restartMark struct {
	at    time.Time
	count int
}

// ResolveHost picks the engine address: the flag, DOCKER_HOST, the socket.
func ResolveHost(flag string) string {
	if flag != "" {
		return flag
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return DefaultSocket
}

// SocketExists reports whether host is a unix socket that exists (used to
// auto-detect the engine).
func SocketExists(host string) bool {
	p, ok := strings.CutPrefix(host, "unix://")
	if !ok {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}

// New builds the module; it does not contact the engine.
func New(o Options) (*Module, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Thresholds = o.Thresholds.withDefaults()
	host := ResolveHost(o.Host)
	// Version negotiation is the client's default: it asks /_ping for the
	// engine's API version and speaks at most that.
	cli, err := client.New(client.WithHost(host), client.WithUserAgent("pulse-agent"))
	if err != nil {
		return nil, fmt.Errorf("docker client for %s: %w", host, err)
	}
	return &Module{o: o, host: host, cli: cli, prev: map[string]cpuSample{},
		inspects: map[string]inspectCache{}, restarts: map[string][]restartMark{}}, nil
}

// Close releases the client.
func (m *Module) Close() error { return m.cli.Close() }

// Host is the engine address in use.
func (m *Module) Host() string { return m.host }

// Collect reads the engine once. An unreachable engine is reported (with
// its alert), not returned as an error.
func (m *Module) Collect(ctx context.Context) *agentwire.Docker {
	ctx, cancel := context.WithTimeout(ctx, m.o.Timeout)
	defer cancel()
	d := &agentwire.Docker{Endpoint: m.host, Runtime: "docker"}
	if m.o.CommandsEnabled {
		d.Actions = slices.Clone(Actions)
	}
	if err := m.engine(ctx, d); err != nil {
		d.Reachable, d.Error = false, err.Error()
		d.Alerts = append(d.Alerts, agentwire.DockerAlert{Kind: "engine-unreachable", Severity: "critical", Target: "engine",
			Message: fmt.Sprintf("the container engine at %s does not answer: %v", m.host, err)})
		return d
	}
	d.Reachable = true
	if err := m.containers(ctx, d); err != nil {
		d.Error = "list containers: " + err.Error()
	}
	if d.SwarmRole == "manager" {
		if err := m.services(ctx, d); err != nil {
			d.Error = strings.TrimPrefix(d.Error+"; ", "; ") + "list services: " + err.Error()
		}
	}
	d.Alerts = append(d.Alerts, m.alerts(d)...)
	return d
}

// engine reads /version and /info.
func (m *Module) engine(ctx context.Context, d *agentwire.Docker) error {
	v, err := m.cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return err
	}
	d.EngineVersion, d.OS, d.Arch = v.Version, v.Os, v.Arch
	d.APIVersion = m.cli.ClientVersion()
	if isPodman(v) {
		d.Runtime = "podman"
	}
	info, err := m.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return err
	}
	i := info.Info
	d.EngineID, d.Name = i.ID, i.Name
	d.ContainersTotal, d.ContainersRunning = i.Containers, i.ContainersRunning
	if d.OS == "" {
		d.OS = i.OperatingSystem
	}
	if i.Swarm.LocalNodeState == "active" {
		d.SwarmRole, d.SwarmNodeID = "worker", i.Swarm.NodeID
		if i.Swarm.ControlAvailable {
			d.SwarmRole = "manager"
		}
		if i.Swarm.Cluster != nil {
			d.SwarmClusterID = i.Swarm.Cluster.ID
		}
	}
	return nil
}

// isPodman tells Podman's compatible API from Docker's: Podman names its
// component "Podman Engine" and its platform "Podman ...".
func isPodman(v client.ServerVersionResult) bool {
	if strings.Contains(strings.ToLower(v.Platform.Name), "podman") {
		return true
	}
	for _, c := range v.Components {
		if strings.Contains(strings.ToLower(c.Name), "podman") {
			return true
		}
	}
	return false
}

// services lists swarm services with their task counts. A non-swarm
// engine answers 503 (Docker) or 404 (Podman): that is "no services".
func (m *Module) services(ctx context.Context, d *agentwire.Docker) error {
	res, err := m.cli.ServiceList(ctx, client.ServiceListOptions{Status: true})
	if err != nil {
		if noSwarm(err) {
			return nil
		}
		return err
	}
	for _, s := range res.Items {
		ds := agentwire.DockerService{ID: s.ID, Name: s.Spec.Name, Mode: "replicated"}
		if s.Spec.TaskTemplate.ContainerSpec != nil {
			ds.Image = s.Spec.TaskTemplate.ContainerSpec.Image
		}
		switch {
		case s.Spec.Mode.Global != nil:
			ds.Mode = "global"
		case s.Spec.Mode.Replicated != nil && s.Spec.Mode.Replicated.Replicas != nil:
			ds.Desired = *s.Spec.Mode.Replicated.Replicas
		}
		if s.ServiceStatus != nil {
			ds.Running = s.ServiceStatus.RunningTasks
			if ds.Mode == "global" || ds.Desired == 0 {
				ds.Desired = s.ServiceStatus.DesiredTasks
			}
		}
		if s.UpdateStatus != nil {
			ds.UpdateState = string(s.UpdateStatus.State)
		}
		d.Services = append(d.Services, ds)
	}
	return nil
}

// noSwarm reports whether err is a non-swarm engine's answer.
func noSwarm(err error) bool {
	if cerrdefs.IsNotFound(err) || cerrdefs.IsUnavailable(err) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "not a swarm manager") || strings.Contains(msg, "This node is not")
}

// parallel runs f over items with at most n at once.
func parallel[T any](n int, items []T, f func(T)) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(it)
		}()
	}
	wg.Wait()
}
