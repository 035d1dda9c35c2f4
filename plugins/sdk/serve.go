package sdk

import (
	"context"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/pulsehost/pulse/plugins/sdk/profiling"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Handshake is the go-plugin handshake shared by the core and every plugin.
// ProtocolVersion changes only when the handshake itself changes; the API
// version is negotiated on top of it by Info.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "PULSE_PLATFORM_PLUGIN",
	MagicCookieValue: "pulse-platform-plugin-v1-3f9a1c2e",
}

// PluginName is the name the platform service is dispensed under.
const PluginName = "platform"

// APIVersions are the wire API versions this SDK speaks, ascending.
var APIVersions = []uint32{1}

// MaxMessageBytes bounds one message from a plugin to the host. SDK batches
// stay near MaxBatchBytes (1 MiB), which leaves room for one large record.
const MaxMessageBytes = 8 << 20

// LogLevelEnv is the environment variable through which the core passes its
// log level to plugins.
const LogLevelEnv = "PULSE_PLUGIN_LOG_LEVEL"

// Factory builds a plugin's Platform with the logger it must use.
type Factory func(log hclog.Logger) Platform

// Serve runs the plugin; it is the whole of a plugin's main function. It
// returns when the core closes the plugin.
func Serve(newPlatform Factory) {
	log := hclog.New(&hclog.LoggerOptions{
		Output:     os.Stderr,
		JSONFormat: true,
		Level:      hclog.LevelFromString(os.Getenv(LogLevelEnv)),
	})
	profiling.Start(profiling.PluginEnv)
	p := newPlatform(log)
	go exitWithParent(os.Getppid())
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{PluginName: &GRPCPlugin{Impl: p}},
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          log,
	})
}

// exitWithParent ends the plugin when the core that started it is gone,
// even where the kernel's parent-death signal is unavailable.
func exitWithParent(parent int) {
	for {
		time.Sleep(500 * time.Millisecond)
		if os.Getppid() != parent {
			os.Exit(3)
		}
	}
}

// GRPCPlugin is the go-plugin glue for the platform service. The core uses
// it with Impl nil to obtain a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the plugin's Platform (plugin side only).
	Impl Platform
}

// GRPCServer registers the platform service.
func (g *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterPlatformServer(s, newServer(g.Impl))
	return nil
}

// GRPCClient returns a *Client for the host.
func (g *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return NewClient(c), nil
}
