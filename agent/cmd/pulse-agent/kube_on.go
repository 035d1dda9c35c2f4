//go:build k8s

package main

import (
	"context"
	"time"

	"github.com/pulsehost/pulse/agent/internal/collect"
	"github.com/pulsehost/pulse/agent/internal/kube"
)

// kubeBuilt is true in the pulse-agent-k8s build (tag k8s).
const kubeBuilt = true

func openKube(kubeconfig string) (collect.Module, error) {
	cs, name, err := kube.Connect(kubeconfig)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The informers run for the life of the process.
	return kube.New(context.WithoutCancel(ctx), cs, name, nil)
}
