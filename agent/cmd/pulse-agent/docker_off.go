//go:build nodocker

package main

import (
	"errors"

	"github.com/pulsehost/pulse/agent/internal/cmdchan"
	"github.com/pulsehost/pulse/agent/internal/collect"
)

func dockerHost(flag string) string  { return flag }
func dockerSocketExists(string) bool { return false }

func openDocker(string, bool) (collect.Module, cmdchan.Executor, error) {
	return nil, nil, errors.New("this pulse-agent was built without the docker module (-tags nodocker)")
}
