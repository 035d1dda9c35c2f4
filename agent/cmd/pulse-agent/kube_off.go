//go:build !k8s

package main

import (
	"errors"

	"github.com/pulsehost/pulse/agent/internal/cmdchan"
	"github.com/pulsehost/pulse/agent/internal/collect"
)

// kubeBuilt is false in the host agent: the kubernetes module ships in the
// pulse-agent-k8s build (tag k8s), keeping client-go out of the host agent.
const kubeBuilt = false

func openKube(string, bool) (collect.Module, cmdchan.Executor, error) {
	return nil, nil, errors.New("this pulse-agent is built without the kubernetes module: use pulse-agent-k8s (go build -tags k8s)")
}
