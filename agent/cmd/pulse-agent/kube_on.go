//go:build k8s

package main

import (
	"context"
	"time"

	"github.com/pulsehost/pulse/agent/internal/cmdchan"
	"github.com/pulsehost/pulse/agent/internal/collect"
	"github.com/pulsehost/pulse/agent/internal/kube"
)

// kubeBuilt is true in the pulse-agent-k8s build (tag k8s).
const kubeBuilt = true

func openKube(kubeconfig string, commands bool) (collect.Module, cmdchan.Executor, error) {
	cs, dyn, name, err := kube.Connect(kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The informers run for the life of the process.
	m, err := kube.New(context.WithoutCancel(ctx), kube.Options{Clientset: cs, Dynamic: dyn, Name: name, CommandsEnabled: commands})
	if err != nil {
		return nil, nil, err
	}
	return m, kube.Executor{M: m}, nil
}
