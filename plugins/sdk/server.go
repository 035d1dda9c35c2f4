package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/pulsehost/pulse/core/resource"
	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

// Batch bounds: a batch is flushed when it holds MaxBatchRecords records or
// about MaxBatchBytes bytes, far under gRPC's 4 MiB message limit.
const (
	MaxBatchRecords = 1000
	MaxBatchBytes   = 1 << 20
)

// server adapts a Platform to the generated gRPC service.
type server struct {
	pb.UnimplementedPlatformServer
	impl Platform
}

func newServer(p Platform) *server { return &server{impl: p} }

func (s *server) Info(_ context.Context, req *pb.InfoRequest) (*pb.InfoResponse, error) {
	_, watch := s.impl.(Watcher)
	versions := APIVersions
	if v, ok := s.impl.(Versioned); ok {
		versions = v.APIVersions()
	}
	return &pb.InfoResponse{
		ApiVersion:  Negotiate(req.GetApiVersions(), versions),
		ApiVersions: versions,
		Declaration: s.impl.Declaration().Proto(watch),
	}, nil
}

// Negotiate returns the highest version both lists contain, or 0.
func Negotiate(host, plugin []uint32) uint32 {
	var best uint32
	for _, v := range host {
		if slices.Contains(plugin, v) && v > best {
			best = v
		}
	}
	return best
}

func (s *server) ConfigSchema(context.Context, *pb.ConfigSchemaRequest) (*pb.ConfigSchemaResponse, error) {
	return s.impl.Schema().Proto(), nil
}

func (s *server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	conn := Connection{
		Name:    req.GetConnection(),
		Config:  req.GetConfig(),
		Timeout: time.Duration(req.GetTimeoutMs()) * time.Millisecond,
	}
	if t := req.GetTls(); t != nil {
		conn.TLS = TLSConfig{CAPEM: t.GetCaPem(), InsecureSkipVerify: t.GetInsecureSkipVerify(), Fingerprint: t.GetFingerprint()}
	}
	if err := s.impl.Configure(ctx, conn); err != nil {
		return nil, toStatus(err)
	}
	return &pb.ConfigureResponse{}, nil
}

func (s *server) Check(ctx context.Context, req *pb.CheckRequest) (*pb.CheckResponse, error) {
	rep, err := s.impl.Check(ctx, req.GetConnection())
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.CheckResponse{EndpointVersion: rep.EndpointVersion}
	for _, c := range rep.Checks {
		out.Checks = append(out.Checks, &pb.SubCheck{Name: c.Name, Ok: c.OK, Message: c.Message, MissingPrivilege: c.MissingPrivilege})
	}
	return out, nil
}

func (s *server) Collect(req *pb.CollectRequest, stream pb.Platform_CollectServer) error {
	e := &batcher{send: stream.Send}
	if err := s.impl.Collect(stream.Context(), req.GetConnection(), e); err != nil {
		return toStatus(err)
	}
	return toStatus(e.flush())
}

func (s *server) Watch(req *pb.WatchRequest, stream pb.Platform_WatchServer) error {
	w, ok := s.impl.(Watcher)
	if !ok {
		return toStatus(ErrNotImplemented)
	}
	// Deltas are flushed as soon as the watcher is idle, so a change reaches
	// the core without waiting for a batch to fill.
	e := &batcher{send: stream.Send, eager: true}
	if err := w.Watch(stream.Context(), req.GetConnection(), e); err != nil {
		return toStatus(err)
	}
	return toStatus(e.flush())
}

func (s *server) Execute(ctx context.Context, req *pb.ExecuteRequest) (*pb.ExecuteResponse, error) {
	x, ok := s.impl.(Executor)
	if !ok {
		return nil, toStatus(fmt.Errorf("%w: this plugin performs no control actions", ErrActionRefused))
	}
	msg, err := x.Execute(ctx, req.GetConnection(), Action{Name: req.GetAction(), Target: req.GetTarget(), Params: req.GetParams()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ExecuteResponse{Message: msg}, nil
}

func (s *server) Close(ctx context.Context, req *pb.CloseRequest) (*pb.CloseResponse, error) {
	if c, ok := s.impl.(Closer); ok {
		if err := c.Close(ctx, req.GetConnection()); err != nil {
			return nil, toStatus(err)
		}
	}
	return &pb.CloseResponse{}, nil
}

// toStatus translates sentinel errors into gRPC codes at the boundary.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	code := codes.Unknown
	switch {
	case errors.Is(err, ErrUnknownConnection):
		code = codes.NotFound
	case errors.Is(err, ErrNotImplemented):
		code = codes.Unimplemented
	case errors.Is(err, ErrActionRefused):
		code = codes.PermissionDenied
	case errors.Is(err, ErrInvalidConfig):
		code = codes.InvalidArgument
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	}
	return status.Error(code, err.Error())
}

// batcher is the Emitter behind Collect and Watch: it fills bounded batches
// and sends each when full.
type batcher struct {
	send  func(*pb.Batch) error
	cur   pb.Batch
	n     int
	size  int
	eager bool
	held  int // open Groups: an eager batcher waits for the outermost to end
	// metricBlock is where the next metrics' wire messages are carved from.
	metricBlock []pb.Metric
}

// metricBlockSize is how many metric messages the batcher allocates at once.
const metricBlockSize = 512

func (b *batcher) hold() { b.held++ }

func (b *batcher) release() error {
	if b.held--; b.held > 0 || !b.eager {
		return nil
	}
	return b.flush()
}

func (b *batcher) add(size int) error {
	b.n++
	b.size += size
	if (b.eager && b.held == 0) || b.n >= MaxBatchRecords || b.size >= MaxBatchBytes {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if b.n == 0 {
		return nil
	}
	batch := &pb.Batch{
		Resources: b.cur.Resources, Metrics: b.cur.Metrics, Alerts: b.cur.Alerts,
		RecoveryPoints: b.cur.RecoveryPoints, Relationships: b.cur.Relationships,
		Removed: b.cur.Removed, ClearedAlerts: b.cur.ClearedAlerts,
	}
	b.cur = pb.Batch{}
	b.n, b.size = 0, 0
	return b.send(batch)
}

func (b *batcher) Resource(r Resource) error {
	p, err := ResourceProto(r)
	if err != nil {
		return err
	}
	b.cur.Resources = append(b.cur.Resources, p)
	return b.add(resourceSize(p))
}

func (b *batcher) Relationship(r Relationship) error {
	p := &pb.Relationship{From: r.From, Kind: string(r.Kind), To: r.To}
	b.cur.Relationships = append(b.cur.Relationships, p)
	return b.add(len(r.From) + len(r.To) + 16)
}

func (b *batcher) Metric(m Metric) error {
	unit := m.Unit
	if def, ok := resource.LookupMetric(m.Name); ok && string(def.Unit) == unit {
		unit = "" // the core reads the vocabulary's unit; not sending it saves bytes and decoding
	}
	if len(b.metricBlock) == 0 {
		// Metrics are the bulk of most batches: allocate them in blocks
		// rather than one by one.
		b.metricBlock = make([]pb.Metric, metricBlockSize)
	}
	p := &b.metricBlock[0]
	b.metricBlock = b.metricBlock[1:]
	p.Resource, p.Name, p.Value, p.Unit, p.TimeMs = m.Resource, m.Name, m.Value, unit, millis(m.Time)
	b.cur.Metrics = append(b.cur.Metrics, p)
	return b.add(len(m.Resource) + len(m.Name) + len(unit) + 24)
}

func (b *batcher) Alert(a Alert) error {
	p := &pb.Alert{NativeId: a.NativeID, Resource: a.Resource, Severity: string(a.Severity), Kind: a.Kind, Message: a.Message, StartedMs: millis(a.Started)}
	b.cur.Alerts = append(b.cur.Alerts, p)
	return b.add(proto.Size(p))
}

func (b *batcher) RecoveryPoint(r RecoveryPoint) error {
	p := &pb.RecoveryPoint{NativeId: r.NativeID, Resource: r.Resource, Kind: string(r.Kind), TimeMs: millis(r.Time), SizeBytes: r.SizeBytes, Storage: r.Storage}
	if len(r.RawAttributes) > 0 {
		p.Attributes = r.RawAttributes
	} else if len(r.Attributes) > 0 {
		raw, err := json.Marshal(r.Attributes)
		if err != nil {
			return fmt.Errorf("recovery point %s attributes: %w", r.NativeID, err)
		}
		p.Attributes = raw
	}
	b.cur.RecoveryPoints = append(b.cur.RecoveryPoints, p)
	return b.add(proto.Size(p))
}

func (b *batcher) Removed(id string) error {
	b.cur.Removed = append(b.cur.Removed, id)
	return b.add(len(id) + 2)
}

func (b *batcher) ClearedAlert(id string) error {
	b.cur.ClearedAlerts = append(b.cur.ClearedAlerts, id)
	return b.add(len(id) + 2)
}

// ResourceProto converts a Resource to its wire form.
func ResourceProto(r Resource) (*pb.Resource, error) {
	p := &pb.Resource{
		Type: string(r.Type), NativeId: r.NativeID, Name: r.Name, Status: string(r.Status),
		Topology: r.Topology, Tags: r.Tags, Runtime: r.Runtime,
	}
	if len(r.Identity) > 0 {
		p.Identity = make([]*pb.IdentityKey, len(r.Identity))
		for i, k := range r.Identity {
			p.Identity[i] = &pb.IdentityKey{Kind: string(k.Kind), Value: k.Value}
		}
	}
	switch {
	case len(r.RawAttributes) > 0:
		p.Attributes = r.RawAttributes
	case len(r.Attributes) > 0:
		raw, err := json.Marshal(r.Attributes)
		if err != nil {
			return nil, fmt.Errorf("resource %s attributes: %w", r.NativeID, err)
		}
		p.Attributes = raw
	}
	return p, nil
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// resourceSize estimates a resource's encoded size cheaply (proto.Size walks
// the whole message); it errs high so batches stay under MaxBatchBytes.
func resourceSize(p *pb.Resource) int {
	n := 32 + len(p.Type) + len(p.NativeId) + len(p.Name) + len(p.Status) + len(p.Attributes) + len(p.Runtime)
	for _, k := range p.Identity {
		n += 8 + len(k.Kind) + len(k.Value)
	}
	for k, v := range p.Topology {
		n += 8 + len(k) + len(v)
	}
	for _, t := range p.Tags {
		n += 4 + len(t)
	}
	return n
}
