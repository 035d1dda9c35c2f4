//go:build !nodocker

package main

import (
	"github.com/pulsehost/pulse/agent/internal/cmdchan"
	"github.com/pulsehost/pulse/agent/internal/collect"
	"github.com/pulsehost/pulse/agent/internal/docker"
)

// The docker module is built in unless the nodocker build tag leaves it out
// (a smaller agent for hosts without containers).

func dockerHost(flag string) string       { return docker.ResolveHost(flag) }
func dockerSocketExists(host string) bool { return docker.SocketExists(host) }

func openDocker(host string, commands bool) (collect.Module, cmdchan.Executor, error) {
	m, err := docker.New(docker.Options{Host: host, CommandsEnabled: commands})
	if err != nil {
		return nil, nil, err
	}
	return m, docker.Executor{M: m}, nil
}
