package sdk

import (
	"errors"
	"strings"
	"testing"
)

func TestConns(t *testing.T) {
	var s Conns[*int]
	if _, err := s.Get("a"); !errors.Is(err, ErrUnknownConnection) || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("Get of nothing: %v", err)
	}
	one, two := 1, 2
	if _, replaced := s.Put("a", &one); replaced {
		t.Fatal("first Put replaced something")
	}
	if old, replaced := s.Put("a", &two); !replaced || old != &one {
		t.Fatalf("second Put: %v %v", old, replaced)
	}
	if c, err := s.Get("a"); err != nil || c != &two {
		t.Fatalf("Get: %v %v", c, err)
	}
	if c, ok := s.Remove("a"); !ok || c != &two {
		t.Fatalf("Remove: %v %v", c, ok)
	}
	if _, ok := s.Remove("a"); ok {
		t.Fatal("Remove twice")
	}
}
