package tnrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pulsehost/pulse/plugins/truenas/faketruenas"
	"github.com/pulsehost/pulse/plugins/truenas/tnrpc"
)

func TestTimeDecoding(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{`{"$date": 1796040000000}`, time.UnixMilli(1796040000000).UTC(), false},
		{`{"$date": 1796040000123.0}`, time.UnixMilli(1796040000123).UTC(), false},
		{`null`, time.Time{}, false},
		{`1796040000000`, time.UnixMilli(1796040000000).UTC(), false},
		{`{"date": 1}`, time.Time{}, true},
		{`"2026-11-30"`, time.Time{}, true},
	} {
		var got tnrpc.Time
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.bad || !got.Equal(tc.want) {
			t.Errorf("%s: got %v, %v", tc.in, got, err)
		}
	}
	b, _ := json.Marshal(tnrpc.Date(time.UnixMilli(42)))
	if string(b) != `{"$date":42}` {
		t.Errorf("marshal: %s", b)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string][2]int{"25.04.2": {25, 4}, "TrueNAS-25.10.1": {25, 10}, "TrueNAS-SCALE-24.10.2.1": {24, 10}} {
		v, err := tnrpc.ParseVersion(in)
		if err != nil || v.Major != want[0] || v.Minor != want[1] {
			t.Errorf("%s: %+v %v", in, v, err)
		}
	}
	if _, err := tnrpc.ParseVersion("master"); err == nil {
		t.Error("a version without numbers parsed")
	}
	if v, _ := tnrpc.ParseVersion("25.10.0"); !v.AtLeast(25, 10) || v.AtLeast(26, 4) {
		t.Error("AtLeast")
	}
}

func newClient(t *testing.T, o faketruenas.Options) (*tnrpc.Client, *faketruenas.Fake) {
	t.Helper()
	f := faketruenas.New(faketruenas.Generate(faketruenas.Spec{}), o)
	srv := httptest.NewTLSServer(f.Handler())
	t.Cleanup(func() { f.Close(); srv.Close() })
	c, err := tnrpc.New(tnrpc.Options{URL: "wss://" + strings.TrimPrefix(srv.URL, "https://") + "/api/current",
		APIKey: faketruenas.DefaultAPIKey, TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig,
		CallTimeout: 2 * time.Second, BackoffMin: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, f
}

func TestUnknownMethodKeepsSession(t *testing.T) {
	c, _ := newClient(t, faketruenas.Options{})
	ctx := context.Background()
	err := c.Call(ctx, "no.such.method", nil, nil)
	var e *tnrpc.Error
	if !errors.Is(err, tnrpc.ErrMethodNotFound) || !errors.As(err, &e) || e.Code != tnrpc.CodeMethodNotFound {
		t.Fatalf("unknown method: %v", err)
	}
	var pong string
	if err := c.Call(ctx, "core.ping", nil, &pong); err != nil || pong != "pong" {
		t.Fatalf("the session did not survive an unknown method: %v", err)
	}
	if c.Stats().Dials != 1 {
		t.Errorf("dials %d", c.Stats().Dials)
	}
	// A 25.10 server has no zfs.snapshot.query.
	if err := c.Call(ctx, "zfs.snapshot.query", nil, nil); !errors.Is(err, tnrpc.ErrMethodNotFound) {
		t.Errorf("zfs.snapshot.query on 25.10: %v", err)
	}
}

// TestMultiplexed: many calls share one socket; a slow one does not hold
// the others, and answers arrive out of order to the right callers.
func TestMultiplexed(t *testing.T) {
	c, f := newClient(t, faketruenas.Options{})
	f.SetFault("app.query", faketruenas.Fault{Delay: 400 * time.Millisecond})
	ctx := context.Background()
	var wg sync.WaitGroup
	slowDone := make(chan time.Time, 1)
	wg.Go(func() {
		var apps []map[string]any
		if err := c.Call(ctx, "app.query", nil, &apps); err != nil || len(apps) != 4 {
			t.Errorf("app.query: %v %d", err, len(apps))
		}
		slowDone <- time.Now()
	})
	time.Sleep(50 * time.Millisecond) // the slow call is in flight
	start := time.Now()
	for i := range 20 {
		wg.Go(func() {
			var pools []map[string]any
			err := c.Call(ctx, "pool.query", []any{[]any{[]any{"name", "=", []string{"tank", "fast"}[i%2]}}}, &pools)
			if err != nil || len(pools) != 1 || pools[0]["name"] != []string{"tank", "fast"}[i%2] {
				t.Errorf("call %d: %v %v", i, err, pools)
			}
		})
	}
	fast := time.Since(start)
	wg.Wait()
	if fast > 300*time.Millisecond {
		t.Errorf("20 quick calls took %s behind one slow call", fast)
	}
	if c.Stats().Dials != 1 {
		t.Errorf("%d dials; one socket serves every call", c.Stats().Dials)
	}
}

func TestPerCallTimeout(t *testing.T) {
	c, f := newClient(t, faketruenas.Options{})
	f.SetFault("alert.list", faketruenas.Fault{Delay: 3 * time.Second, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, "alert.list", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("%v after %s", err, time.Since(start))
	}
	// The late answer, when it comes, goes nowhere and harms nothing.
	if err := c.Call(context.Background(), "core.ping", nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestJobs(t *testing.T) {
	c, f := newClient(t, faketruenas.Options{})
	ctx := context.Background()
	j, err := c.CallJob(ctx, "app.restart", []any{"plex"})
	if err != nil || j.State != "SUCCESS" || j.TimeFinished.IsZero() {
		t.Fatalf("job: %+v %v", j, err)
	}
	f.FailJobsFor("plex", "boom")
	_, err = c.CallJob(ctx, "app.stop", []any{"plex"})
	var je *tnrpc.JobError
	if !errors.Is(err, tnrpc.ErrJobFailed) || !errors.As(err, &je) || !strings.Contains(je.Job.Error, "boom") {
		t.Fatalf("failing job: %v", err)
	}
	if _, err := c.CallJob(ctx, "app.start", []any{"nope"}); !errors.Is(err, tnrpc.ErrNotFound) {
		t.Errorf("job for an unknown app: %v", err)
	}
}

// TestNotAuthenticated speaks to the fake without logging in.
func TestNotAuthenticated(t *testing.T) {
	f := faketruenas.New(faketruenas.Generate(faketruenas.Spec{}), faketruenas.Options{})
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	defer f.Close()
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, "ws://"+strings.TrimPrefix(srv.URL, "http://")+"/api/current", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	_ = ws.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":1,"method":"pool.query","params":[]}`))
	_, data, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Error struct {
			Code int `json:"code"`
			Data struct {
				ErrName string `json:"errname"`
			} `json:"data"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &resp) != nil || resp.Error.Code != tnrpc.CodeCallError || resp.Error.Data.ErrName != "ENOTAUTHENTICATED" {
		t.Fatalf("answer: %s", data)
	}
	e := &tnrpc.Error{Method: "pool.query", Code: resp.Error.Code, ErrName: resp.Error.Data.ErrName}
	if !errors.Is(e, tnrpc.ErrNotAuthenticated) {
		t.Error("ErrNotAuthenticated does not match")
	}
}

func TestRefusesPlainWS(t *testing.T) {
	_, err := tnrpc.New(tnrpc.Options{URL: "ws://nas/api/current", APIKey: "k"})
	if !errors.Is(err, tnrpc.ErrInsecureTransport) {
		t.Fatalf("%v", err)
	}
	if _, err := tnrpc.New(tnrpc.Options{URL: "https://nas/api/current", APIKey: "k"}); err == nil {
		t.Error("https:// accepted")
	}
}

// TestBackoff: after a failed dial, calls fail fast until the backoff ends.
func TestBackoff(t *testing.T) {
	c, err := tnrpc.New(tnrpc.Options{URL: "wss://127.0.0.1:1/api/current", APIKey: "k", BackoffMin: 300 * time.Millisecond, CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Call(ctx, "core.ping", nil, nil); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	err = c.Call(ctx, "core.ping", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "next attempt in") {
		t.Fatalf("second call: %v", err)
	}
}

// TestHungServerIsDropped: a server that answers nothing, not even
// core.ping, loses its socket, and the next call dials a fresh one; a
// server slow on one method keeps it.
func TestHungServerIsDropped(t *testing.T) {
	c, f := newClient(t, faketruenas.Options{})
	ctx := context.Background()
	if err := c.Call(ctx, "core.ping", nil, nil); err != nil {
		t.Fatal(err)
	}
	f.SetFault("pool.query", faketruenas.Fault{Delay: 3 * time.Second, Times: 1})
	if err := c.Call(ctx, "pool.query", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow call: %v", err)
	}
	time.Sleep(1200 * time.Millisecond) // the probe's ping and the late answer arrive
	if !c.Connected() {
		t.Fatal("a server slow on one method lost its socket")
	}
	f.SetFault("*", faketruenas.Fault{Delay: 5 * time.Second})
	f.SetFault("core.ping", faketruenas.Fault{Delay: 5 * time.Second})
	if err := c.Call(ctx, "pool.query", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung call: %v", err)
	}
	for deadline := time.Now().Add(4 * time.Second); c.Connected(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hung socket is still in use")
		}
	}
	f.ClearFaults()
	if err := c.Call(ctx, "core.ping", nil, nil); err != nil || c.Stats().Dials != 2 {
		t.Fatalf("after a hang: %v, %d dials", err, c.Stats().Dials)
	}
}
