package sdk

import (
	"errors"
	"testing"

	pb "github.com/pulsehost/pulse/plugins/sdk/proto/pulsev1"
)

func TestGroupSendsOneDelta(t *testing.T) {
	var sizes []int
	b := &batcher{eager: true, send: func(x *pb.Batch) error {
		sizes = append(sizes, len(x.Resources)+len(x.Relationships)+len(x.Removed))
		return nil
	}}
	res := func(id string) error { return b.Resource(Resource{Type: "vm", NativeID: id, Status: "online"}) }
	if err := res("a"); err != nil { // outside a group: at once
		t.Fatal(err)
	}
	err := Group(b, func() error {
		for _, id := range []string{"b", "c"} {
			if err := res(id); err != nil {
				return err
			}
		}
		// nested: the outer group sends
		if err := Group(b, func() error { return b.Relationship(Relationship{From: "b", Kind: "runs_on", To: "c"}) }); err != nil {
			return err
		}
		if len(sizes) != 1 {
			t.Errorf("sent inside a group: %v", sizes)
		}
		return b.Removed("z")
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 4}; len(sizes) != 2 || sizes[0] != want[0] || sizes[1] != want[1] {
		t.Fatalf("batches %v, want %v", sizes, want)
	}
}

func TestGroupKeepsBatchBounds(t *testing.T) {
	var sizes []int
	b := &batcher{eager: true, send: func(x *pb.Batch) error { sizes = append(sizes, len(x.Removed)); return nil }}
	_ = Group(b, func() error {
		for range MaxBatchRecords + 5 {
			if err := b.Removed("x"); err != nil {
				return err
			}
		}
		return nil
	})
	if len(sizes) != 2 || sizes[0] != MaxBatchRecords || sizes[1] != 5 {
		t.Fatalf("batches %v", sizes)
	}
}

func TestGroupOnCollectBatcherAndErrors(t *testing.T) {
	sent := 0
	b := &batcher{send: func(*pb.Batch) error { sent++; return nil }}
	boom := errors.New("boom")
	if err := Group(b, func() error { _ = b.Removed("x"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	if sent != 0 { // Collect's batcher sends when full or at the end only
		t.Fatalf("sent %d", sent)
	}
	ran := false
	if err := Group(nil, func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatal("Group on a plain emitter must just run fn")
	}
}
