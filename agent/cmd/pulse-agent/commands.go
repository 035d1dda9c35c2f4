package main

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/agent/internal/client"
	"github.com/pulsehost/pulse/agent/internal/cmdchan"
	"github.com/pulsehost/pulse/agent/internal/pveguest"
)

// runCommands keeps the command channel to the core open. It opens even
// with commands off, so the core knows the agent is reachable and refuses
// with the right reason.
func runCommands(ctx context.Context, l *loaded, r *resolved, log hclog.Logger) {
	hc, err := client.HTTP(client.Pin{Fingerprint: l.s.ServerFingerprint, CAFile: l.s.CAFile}, 0)
	if err != nil {
		log.Error("command channel", "error", err)
		return
	}
	ex := map[string]cmdchan.Executor{}
	if r.docker != nil {
		ex["docker"] = r.dockerExec
	}
	if r.kube != nil {
		ex["kubernetes"] = r.kubeExec
	}
	// On a Proxmox VE node: proxmox-pve's augmentation-only guest actions.
	if pve := (pveguest.Executor{}); pve.Available() {
		ex["proxmox-pve"] = pve
	}
	cmdchan.Run(ctx, cmdchan.Options{Server: l.s.Server, HTTP: hc, Signer: l.key.Signer, CommandsEnabled: r.commands,
		Executors: ex, Log: log.Named("commands")})
}
