package docker

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulsehost/pulse/agent/internal/docker/fakeengine"
	"github.com/pulsehost/pulse/core/agentwire"
)

// start serves a fake engine on a socket in a temp dir and returns a module
// talking to it.
func start(t testing.TB, o fakeengine.Options, mo Options) (*fakeengine.Engine, *Module) {
	t.Helper()
	e := fakeengine.New(o)
	// Unix socket paths are short: use a short temp dir.
	dir, err := mkShortDir(t)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	if err := e.Serve(sock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	mo.Host = "unix://" + sock
	m, err := New(mo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return e, m
}

func labHost(e *fakeengine.Engine) {
	e.Add(&fakeengine.Container{Name: "web", Image: "nginx:1.27", State: "running", Health: "healthy", MemUsed: 100 << 20, MemLimit: 1 << 30,
		PrivatePort: 80, PublicPort: 8080, Labels: map[string]string{labelComposeProject: "shop", labelComposeService: "web"}},
		&fakeengine.Container{Name: "db", Image: "postgres:17", State: "running", Health: "unhealthy", MemUsed: 990 << 20, MemLimit: 1 << 30},
		&fakeengine.Container{Name: "cache", Image: "redis:8", State: "running", MemUsed: 930 << 20, MemLimit: 1 << 30},
		&fakeengine.Container{Name: "job", Image: "busybox", State: "exited", ExitCode: 2},
		&fakeengine.Container{Name: "hog", Image: "busybox", State: "exited", ExitCode: 137, OOMKilled: true},
		&fakeengine.Container{Name: "done", Image: "busybox", State: "exited"},
		&fakeengine.Container{Name: "api.1", Image: "api:1", State: "running", Labels: map[string]string{labelSwarmService: "svc1"}})
	e.AddService(&fakeengine.Service{ID: "svc1", Name: "api", Image: "api:1", Desired: 3, Running: 1})
}

func byName(d *agentwire.Docker, name string) agentwire.DockerContainer {
	for _, c := range d.Containers {
		if c.Name == name {
			return c
		}
	}
	return agentwire.DockerContainer{}
}

func alertKinds(d *agentwire.Docker, target string) []string {
	var out []string
	for _, a := range d.Alerts {
		if a.Target == target {
			out = append(out, a.Kind+"/"+a.Severity)
		}
	}
	slices.Sort(out)
	return out
}

func TestCollectDockerSwarm(t *testing.T) {
	e, m := start(t, fakeengine.Options{Swarm: true}, Options{CommandsEnabled: true})
	labHost(e)
	ctx := context.Background()
	d := m.Collect(ctx)
	if !d.Reachable || d.Error != "" {
		t.Fatalf("unreachable: %+v", d)
	}
	if d.Runtime != "docker" || d.APIVersion != "1.51" || d.EngineVersion != "28.3.3" || d.SwarmRole != "manager" || d.EngineID == "" {
		t.Errorf("engine: runtime %q api %q version %q swarm %q id %q", d.Runtime, d.APIVersion, d.EngineVersion, d.SwarmRole, d.EngineID)
	}
	if len(d.Containers) != 7 || d.ContainersRunning != 4 || d.ContainersTotal != 7 {
		t.Fatalf("containers %d running %d", len(d.Containers), d.ContainersRunning)
	}
	web := byName(d, "web")
	if web.Health != "healthy" || web.ComposeProject != "shop" || web.ComposeService != "web" || len(web.Ports) != 1 || web.Ports[0] != "0.0.0.0:8080->80/tcp" {
		t.Errorf("web: %+v", web)
	}
	if web.Stats == nil || !web.Stats.Limited || web.Stats.MemUsedBytes != 100<<20 || web.Stats.MemLimitBytes != 1<<30 || web.Stats.CPUUsageRatio != nil {
		t.Errorf("web stats on the first cycle: %+v", web.Stats)
	}
	if s := byName(d, "job"); s.Stats != nil || s.ExitCode != 2 {
		t.Errorf("a stopped container has no stats snapshot and its exit code: %+v", s)
	}
	if byName(d, "api.1").ServiceID != "svc1" {
		t.Error("swarm task label not read")
	}
	if len(d.Services) != 1 || d.Services[0].Desired != 3 || d.Services[0].Running != 1 || d.Services[0].Mode != "replicated" {
		t.Errorf("services: %+v", d.Services)
	}
	if !slices.Equal(d.Actions, Actions) {
		t.Errorf("actions with commands on: %v", d.Actions)
	}
	// Second cycle: CPU from the delta; only changed containers inspected.
	e.Requests()
	d = m.Collect(ctx)
	web = byName(d, "web")
	if web.Stats == nil || web.Stats.CPUUsageRatio == nil || *web.Stats.CPUUsageRatio <= 0 || *web.Stats.CPUUsageRatio > 1 {
		t.Errorf("second-cycle CPU: %+v", web.Stats)
	}
	req := e.Requests()
	if req["GET /containers/{id}/json"] != 0 || req["GET /containers/{id}/stats"] != 4 || req["GET /containers/json"] != 1 {
		t.Errorf("second cycle requests: %v (want no inspects, one stats per running container, one list)", req)
	}
}

func TestAlerts(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	e, m := start(t, fakeengine.Options{Swarm: true}, Options{Now: func() time.Time { return now }})
	labHost(e)
	ctx := context.Background()
	d := m.Collect(ctx)
	id := func(n string) string { return "container:" + byName(d, n).ID }
	for _, tc := range []struct {
		target string
		want   []string
	}{
		{id("web"), nil},
		{id("db"), []string{"memory-high/critical", "unhealthy/warning"}},
		{id("cache"), []string{"memory-high/warning"}},
		{id("job"), []string{"exited-nonzero/warning"}},
		{id("hog"), []string{"oom-killed/critical"}},
		{id("done"), nil},
		{"service:svc1", []string{"service-degraded/warning"}},
	} {
		if got := alertKinds(d, tc.target); !slices.Equal(got, tc.want) {
			t.Errorf("%s: alerts %v, want %v", tc.target, got, tc.want)
		}
	}
	// Restart loop: 3 restarts within 5 minutes.
	for i := range 3 {
		now = now.Add(time.Minute)
		e.Update("web", func(c *fakeengine.Container) { c.Restarts++; c.Health = []string{"starting", "healthy", "starting"}[i] })
		d = m.Collect(ctx)
	}
	if got := alertKinds(d, id("web")); !slices.Contains(got, "restart-loop/critical") {
		t.Errorf("3 restarts in 3 minutes: %v", got)
	}
	// Slow restarts (one every 3 minutes) are no loop.
	now = now.Add(time.Hour)
	for i := range 4 {
		now = now.Add(3 * time.Minute)
		e.Update("web", func(c *fakeengine.Container) { c.Restarts++; c.Health = []string{"healthy", "starting"}[i%2] })
		d = m.Collect(ctx)
	}
	if got := alertKinds(d, id("web")); slices.Contains(got, "restart-loop/critical") {
		t.Errorf("a restart every 3 minutes raised a loop: %v", got)
	}
	// Engine unreachable.
	e.SetDown(true)
	d = m.Collect(ctx)
	if d.Reachable || !slices.Equal(alertKinds(d, "engine"), []string{"engine-unreachable/critical"}) {
		t.Errorf("engine down: reachable %v alerts %v", d.Reachable, d.Alerts)
	}
}

func TestPodmanNoSwarmAndVersionNegotiation(t *testing.T) {
	e, m := start(t, fakeengine.Options{Podman: true}, Options{})
	labHost(e)
	d := m.Collect(context.Background())
	if !d.Reachable || d.Runtime != "podman" || d.APIVersion != "1.41" || d.SwarmRole != "" || len(d.Services) != 0 || d.Error != "" {
		t.Errorf("podman: %+v", d)
	}
	if len(d.Actions) != 0 {
		t.Errorf("actions declared with commands off: %v", d.Actions)
	}
	// A Docker engine that is not in a swarm: services are not even asked.
	_, m2 := start(t, fakeengine.Options{APIVersion: "1.45"}, Options{})
	d = m2.Collect(context.Background())
	if !d.Reachable || d.APIVersion != "1.45" || d.Error != "" {
		t.Errorf("docker 1.45: %+v", d)
	}
	// And the swarm endpoints' 503/404 read as no services.
	for _, o := range []fakeengine.Options{{}, {Podman: true}} {
		_, m3 := start(t, o, Options{})
		var dd agentwire.Docker
		if err := m3.services(context.Background(), &dd); err != nil || len(dd.Services) != 0 {
			t.Errorf("podman=%v: services on a non-swarm engine: %v %v", o.Podman, err, dd.Services)
		}
	}
}

func TestExecute(t *testing.T) {
	e, m := start(t, fakeengine.Options{}, Options{})
	labHost(e)
	ctx := context.Background()
	if _, err := m.Execute(ctx, "restart", "web"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Container("web"); c.Restarts != 1 {
		t.Errorf("restart did not reach the engine: %+v", c)
	}
	if _, err := m.Execute(ctx, "stop", "web"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Container("web"); c.State != "exited" {
		t.Errorf("stop: %s", c.State)
	}
	if _, err := m.Execute(ctx, "start", "web"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Container("web"); c.State != "running" {
		t.Errorf("start: %s", c.State)
	}
	if _, err := m.Execute(ctx, "remove", "web"); err == nil || !strings.Contains(err.Error(), "does not execute") {
		t.Errorf("undeclared action: %v", err)
	}
	if _, err := m.Execute(ctx, "restart", "nope"); err == nil || !strings.Contains(err.Error(), "No such container") {
		t.Errorf("missing container: %v", err)
	}
}

// BenchmarkCycle500 is one collection cycle of a host with 500 containers
// (450 running) after the first: one list, 450 stats snapshots, no inspects.
func BenchmarkCycle500(b *testing.B) {
	e, m := start(b, fakeengine.Options{}, Options{})
	e.Populate(500)
	ctx := context.Background()
	m.Collect(ctx)
	e.Requests()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := m.Collect(ctx)
		if len(d.Containers) != 500 {
			b.Fatal(len(d.Containers))
		}
	}
	b.StopTimer()
	req := e.Requests()
	b.ReportMetric(float64(req["GET /containers/{id}/stats"])/float64(b.N), "stats-calls/op")
	b.ReportMetric(float64(req["GET /containers/{id}/json"])/float64(b.N), "inspects/op")
}
