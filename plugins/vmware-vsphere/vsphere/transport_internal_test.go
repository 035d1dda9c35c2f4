package vsphere

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"
)

// TestDrainingTransportReusesConnections reads only the start of a large
// chunked response (as the SOAP decoder does) and checks that the next
// request reuses the connection with the draining transport, and does not
// without it.
func TestDrainingTransportReusesConnections(t *testing.T) {
	body := "<Envelope>" + strings.Repeat("x", 256<<10) + "</Envelope>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, body) // large enough to be sent chunked
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "\n")
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name  string
		drain bool
		reuse bool
	}{
		{"draining", true, true},
		{"plain", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := &http.Transport{}
			t.Cleanup(base.CloseIdleConnections)
			var rt http.RoundTripper = base
			if tc.drain {
				rt = drainingTransport{base}
			}
			c := &http.Client{Transport: rt}
			var reused []bool
			for range 2 {
				ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
					GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) },
				})
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(res.Body, make([]byte, len(body))); err != nil {
					t.Fatal(err)
				}
				_ = res.Body.Close()
			}
			if len(reused) != 2 || reused[1] != tc.reuse {
				t.Errorf("second request reused the connection: %v, want %v", reused, tc.reuse)
			}
		})
	}
}
