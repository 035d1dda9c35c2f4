package vsphere

import (
	"io"
	"net/http"
)

// maxDrain bounds what Close reads of a response body left unread.
const maxDrain = 64 << 10

// drainingTransport reads every response body to its end before closing
// it. govmomi's SOAP decoder stops at the envelope's closing tag, leaving
// the end of a chunked body unread, and net/http drops a connection whose
// body is closed before EOF: without the drain, every large response (an
// inventory page, a QueryPerf batch) costs a new TCP connection and TLS
// handshake on the next request, on both sides.
type drainingTransport struct {
	http.RoundTripper
}

// RoundTrip sends r and wraps the response body.
func (d drainingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := d.RoundTripper.RoundTrip(r)
	if err == nil && res.Body != nil {
		res.Body = drainOnClose{res.Body}
	}
	return res, err
}

// drainOnClose is a response body that is read to EOF (up to maxDrain
// bytes) when closed, so its connection can be reused.
type drainOnClose struct {
	io.ReadCloser
}

// Close drains and closes the body.
func (b drainOnClose) Close() error {
	_, _ = io.Copy(io.Discard, io.LimitReader(b.ReadCloser, maxDrain))
	return b.ReadCloser.Close()
}
