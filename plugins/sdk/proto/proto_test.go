// Package proto_test proves the committed generated code matches pulse.proto
// without needing protoc: it compiles the .proto in Go and compares the
// descriptor with the one embedded in the generated package.
package proto_test

import (
	"context"
	"testing"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"

	"github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

func TestGeneratedCodeIsFresh(t *testing.T) {
	c := protocompile.Compiler{Resolver: &protocompile.SourceResolver{ImportPaths: []string{"."}}}
	files, err := c.Compile(context.Background(), "pulse.proto")
	if err != nil {
		t.Fatal(err)
	}
	fromSource := protodesc.ToFileDescriptorProto(files[0])
	fromSource.SourceCodeInfo = nil
	generated := protodesc.ToFileDescriptorProto(pulsev1.File_pulse_proto)
	generated.SourceCodeInfo = nil
	if !proto.Equal(fromSource, generated) {
		t.Fatal("plugins/sdk/proto/pulsev1 is stale: run `make proto` and commit the result")
	}
}
