package pluginhost

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/pulsehost/pulse/core/internal/governance"
	"github.com/pulsehost/pulse/core/internal/ingest"
	"github.com/pulsehost/pulse/core/platform"
	"github.com/pulsehost/pulse/plugins/sdk"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Plugin is one running, negotiated and governance-checked plugin process.
type Plugin struct {
	// Path is the binary.
	Path string
	// RPC is the wire client.
	RPC *sdk.Client
	// Info is what the plugin declared, with the negotiated API version.
	Info *pb.InfoResponse
	// Platform is the governed platform it serves.
	Platform platform.Platform
	// Rule is what its records may contain.
	Rule *ingest.Rule
	// Schema is its connection block schema.
	Schema sdk.Schema
	// StartDuration is the time from launch to the first answered RPC.
	StartDuration time.Duration
	// PID is the process id.
	PID int

	client *plugin.Client
}

// LaunchError is a plugin that started but may not be used; Problems names
// each difference from the governed model.
type LaunchError struct {
	Path     string
	Reason   string
	Problems []string
}

func (e *LaunchError) Error() string {
	msg := fmt.Sprintf("plugin %s refused: %s", e.Path, e.Reason)
	for _, p := range e.Problems {
		msg += "\n  - " + p
	}
	return msg
}

// Launch starts the plugin binary at path, negotiates the API version and
// checks its declaration against the governed model. The process is killed
// when anything fails. log receives the plugin's own log lines.
func Launch(ctx context.Context, path string, log hclog.Logger) (*Plugin, error) {
	start := time.Now()
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), sdk.LogLevelEnv+"="+log.GetLevel().String())
	setParentDeathSignal(cmd)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          plugin.PluginSet{sdk.PluginName: &sdk.GRPCPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           log,
		StartTimeout:     20 * time.Second,
		// go-plugin lifts gRPC's receive limit to 2 GiB; bound it so a
		// flooding plugin cannot exhaust the core's memory. SDK batches stay
		// near 1 MiB, so 8 MiB leaves room for one large record.
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(sdk.MaxMessageBytes))},
	})
	fail := func(err error) (*Plugin, error) {
		client.Kill()
		return nil, err
	}
	proto, err := client.Client()
	if err != nil {
		return fail(fmt.Errorf("start plugin %s: %w", path, err))
	}
	raw, err := proto.Dispense(sdk.PluginName)
	if err != nil {
		return fail(fmt.Errorf("dispense plugin %s: %w", path, err))
	}
	rpc := raw.(*sdk.Client)
	info, err := rpc.Info(ctx)
	if err != nil {
		return fail(fmt.Errorf("plugin %s info: %w", path, err))
	}
	p := &Plugin{Path: path, RPC: rpc, Info: info, StartDuration: time.Since(start), client: client}
	if rc := client.ReattachConfig(); rc != nil {
		p.PID = rc.Pid
	}
	if info.GetApiVersion() == 0 {
		return fail(&LaunchError{Path: path, Reason: fmt.Sprintf(
			"no common wire API version: plugin speaks %v, this core speaks %v; upgrade whichever is older",
			info.GetApiVersions(), sdk.APIVersions)})
	}
	gp, probs := governance.Check(info.GetDeclaration())
	if len(probs) > 0 {
		return fail(&LaunchError{Path: path, Reason: "declaration claims more than the governed model admits for " + info.GetDeclaration().GetPlatformId(), Problems: probs})
	}
	p.Platform = gp
	p.Rule = ingest.NewRule(gp, info.GetDeclaration())
	if p.Schema, err = rpc.Schema(ctx); err != nil {
		return fail(fmt.Errorf("plugin %s schema: %w", path, err))
	}
	return p, nil
}

// Exited reports whether the process has ended.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Kill ends the process (gracefully first, then forcibly).
func (p *Plugin) Kill() { p.client.Kill() }

// Version is the plugin's declared version.
func (p *Plugin) Version() string { return p.Info.GetDeclaration().GetVersion() }
