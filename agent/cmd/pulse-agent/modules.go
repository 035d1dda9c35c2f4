package main

import (
	"flag"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/agent/internal/cmdchan"
	"github.com/pulsehost/pulse/agent/internal/collect"
	"github.com/pulsehost/pulse/agent/internal/settings"
)

// moduleFlags are the flags that switch the collector modules and commands,
// accepted alike by run, report and print.
type moduleFlags struct {
	fs             *flag.FlagSet
	enableDocker   *bool
	dockerHost     *string
	enableCommands *bool
	enableKube     *bool
	kubeconfig     *string
}

func addModuleFlags(fs *flag.FlagSet) *moduleFlags {
	return &moduleFlags{fs: fs,
		enableDocker:   fs.Bool("enable-docker", false, "report the container engine (Docker or Podman); default: on when its socket exists (enable_docker in agent.json)"),
		dockerHost:     fs.String("docker-host", "", "engine address, unix:///path or tcp://host:port (default DOCKER_HOST, else unix:///var/run/docker.sock)"),
		enableCommands: fs.Bool("enable-commands", false, "execute actions the core sends (container start/stop/restart, deployment rollout-restart, pod delete); off by default (enable_commands in agent.json)"),
		enableKube:     fs.Bool("enable-kubernetes", false, "report the kubernetes cluster (in-cluster service account, or --kubeconfig / KUBECONFIG); the pulse-agent-k8s build (enable_kubernetes in agent.json)"),
		kubeconfig:     fs.String("kubeconfig", "", "kubeconfig file (default KUBECONFIG, else in-cluster)"),
	}
}

func (mf *moduleFlags) set(name string) bool {
	found := false
	mf.fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// resolved is what the flags and the settings decided.
type resolved struct {
	kube       collect.Module
	kubeExec   cmdchan.Executor
	docker     collect.Module
	dockerExec cmdchan.Executor
	commands   bool
}

// resolve combines flags (first), agent.json and auto-detection; s may be nil.
func (mf *moduleFlags) resolve(s *settings.Settings, log hclog.Logger) (*resolved, error) {
	r := &resolved{commands: *mf.enableCommands}
	host := *mf.dockerHost
	if s != nil {
		if !mf.set("enable-commands") {
			r.commands = s.EnableCommands
		}
		if host == "" {
			host = s.DockerHost
		}
	}
	host = dockerHost(host)
	var on bool
	switch {
	case mf.set("enable-docker"):
		on = *mf.enableDocker
	case s != nil && s.EnableDocker != nil:
		on = *s.EnableDocker
	default:
		on = dockerSocketExists(host)
	}
	if on {
		m, ex, err := openDocker(host, r.commands)
		if err != nil {
			return nil, fmt.Errorf("docker module: %w", err)
		}
		r.docker, r.dockerExec = m, ex
		log.Info("docker module on", "host", host, "commands", r.commands)
	}
	kubeOn := *mf.enableKube
	kubeconfig := *mf.kubeconfig
	if s != nil {
		if !mf.set("enable-kubernetes") {
			kubeOn = s.EnableKubernetes
		}
		if kubeconfig == "" {
			kubeconfig = s.Kubeconfig
		}
	}
	if kubeOn {
		m, ex, err := openKube(kubeconfig, r.commands)
		if err != nil {
			return nil, fmt.Errorf("kubernetes module: %w", err)
		}
		r.kube, r.kubeExec = m, ex
		log.Info("kubernetes module on", "kubeconfig", kubeconfig, "commands", r.commands)
	}
	return r, nil
}

func (r *resolved) modules() []collect.Module {
	var out []collect.Module
	for _, m := range []collect.Module{r.docker, r.kube} {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}
