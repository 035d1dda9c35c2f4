package sdk

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// ErrPluginUnavailable means the plugin process is gone (crashed or killed).
var ErrPluginUnavailable = errors.New("plugin unavailable")

// Client is the host's side of the wire: what the core and sdktest call.
type Client struct {
	rpc pb.PlatformClient
}

// NewClient wraps a gRPC connection to a plugin.
func NewClient(cc grpc.ClientConnInterface) *Client {
	return &Client{rpc: pb.NewPlatformClient(cc)}
}

// Info fetches the declaration and negotiates the API version.
func (c *Client) Info(ctx context.Context) (*pb.InfoResponse, error) {
	r, err := c.rpc.Info(ctx, &pb.InfoRequest{ApiVersions: APIVersions})
	return r, fromStatus(err)
}

// Schema fetches the connection block schema.
func (c *Client) Schema(ctx context.Context) (Schema, error) {
	r, err := c.rpc.ConfigSchema(ctx, &pb.ConfigSchemaRequest{})
	if err != nil {
		return nil, fromStatus(err)
	}
	return SchemaFromProto(r), nil
}

// Configure sends one connection's configuration.
func (c *Client) Configure(ctx context.Context, conn Connection) error {
	_, err := c.rpc.Configure(ctx, &pb.ConfigureRequest{
		Connection: conn.Name,
		Config:     conn.Config,
		TimeoutMs:  conn.Timeout.Milliseconds(),
		Tls:        &pb.TLS{CaPem: conn.TLS.CAPEM, InsecureSkipVerify: conn.TLS.InsecureSkipVerify, Fingerprint: conn.TLS.Fingerprint},
	})
	return fromStatus(err)
}

// Check tests a connection.
func (c *Client) Check(ctx context.Context, conn string) (CheckReport, error) {
	r, err := c.rpc.Check(ctx, &pb.CheckRequest{Connection: conn})
	if err != nil {
		return CheckReport{}, fromStatus(err)
	}
	rep := CheckReport{EndpointVersion: r.GetEndpointVersion()}
	for _, s := range r.GetChecks() {
		rep.Checks = append(rep.Checks, SubCheck{Name: s.Name, OK: s.Ok, Message: s.Message, MissingPrivilege: s.MissingPrivilege})
	}
	return rep, nil
}

// Collect streams one snapshot, calling fn for each batch. It returns nil only
// when the snapshot is complete.
func (c *Client) Collect(ctx context.Context, conn string, fn func(*pb.Batch) error) error {
	stream, err := c.rpc.Collect(ctx, &pb.CollectRequest{Connection: conn})
	if err != nil {
		return fromStatus(err)
	}
	return drain(stream, fn)
}

// Watch streams deltas until ctx is done or the plugin ends the stream.
func (c *Client) Watch(ctx context.Context, conn string, fn func(*pb.Batch) error) error {
	stream, err := c.rpc.Watch(ctx, &pb.WatchRequest{Connection: conn})
	if err != nil {
		return fromStatus(err)
	}
	return drain(stream, fn)
}

func drain(stream interface{ Recv() (*pb.Batch, error) }, fn func(*pb.Batch) error) error {
	for {
		b, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fromStatus(err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}

// Execute performs a control action.
func (c *Client) Execute(ctx context.Context, conn string, a Action) (string, error) {
	r, err := c.rpc.Execute(ctx, &pb.ExecuteRequest{Connection: conn, Action: a.Name, Target: a.Target, Params: a.Params})
	if err != nil {
		return "", fromStatus(err)
	}
	return r.GetMessage(), nil
}

// Close tells the plugin to forget a connection.
func (c *Client) Close(ctx context.Context, conn string) error {
	_, err := c.rpc.Close(ctx, &pb.CloseRequest{Connection: conn})
	return fromStatus(err)
}

// fromStatus translates gRPC codes back into the SDK's sentinel errors.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var sentinel error
	switch st.Code() {
	case codes.NotFound:
		sentinel = ErrUnknownConnection
	case codes.Unimplemented:
		sentinel = ErrNotImplemented
	case codes.PermissionDenied:
		sentinel = ErrActionRefused
	case codes.InvalidArgument:
		sentinel = ErrInvalidConfig
	case codes.Unavailable:
		sentinel = ErrPluginUnavailable
	case codes.DeadlineExceeded:
		sentinel = context.DeadlineExceeded
	case codes.Canceled:
		sentinel = context.Canceled
	default:
		return errors.New(st.Message())
	}
	return &wireError{sentinel: sentinel, msg: st.Message()}
}

// wireError keeps the plugin's message while matching the sentinel with errors.Is.
type wireError struct {
	sentinel error
	msg      string
}

func (e *wireError) Error() string {
	if e.msg == "" {
		return e.sentinel.Error()
	}
	return e.msg
}

func (e *wireError) Unwrap() error { return e.sentinel }
