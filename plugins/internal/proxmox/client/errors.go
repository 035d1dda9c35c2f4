package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Sentinel errors for the states adapters must recognise; an *APIError
// matches them with errors.Is according to its status.
var (
	// ErrUnauthorized: the credentials or the ticket were refused (401).
	ErrUnauthorized = errors.New("authentication failed")
	// ErrForbidden: the credentials lack a privilege (403).
	ErrForbidden = errors.New("permission denied")
	// ErrMalformed: the answer is not the JSON the API sends.
	ErrMalformed = errors.New("malformed response")
	// ErrNodeUnreachable: the proxy could not reach the node asked about
	// (595/596, Proxmox's own codes).
	ErrNodeUnreachable = errors.New("node unreachable")
)

// APIError is a non-success answer of a Proxmox API.
type APIError struct {
	// Status is the HTTP status code (595 and 596 are the proxy's own
	// "cannot reach that node" codes).
	Status int
	// Message is the API's message, from the status line or the body.
	Message string
	// Path is the API path asked for.
	Path string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%d %s", e.Status, msg)
}

// Is maps the status to the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNodeUnreachable:
		return e.Status == 595 || e.Status == 596
	}
	return false
}

// permRe matches "Permission check failed (/path, Priv.Name)" (PVE, PMG)
// and PBS's "permission check failed" with the same parenthesis.
var permRe = regexp.MustCompile(`\(([^,()]+),\s*([A-Za-z.|]+)\)`)

// Privilege names the privilege a 403 says is missing, if it says.
func (e *APIError) Privilege() string {
	if e.Status != http.StatusForbidden {
		return ""
	}
	if m := permRe.FindStringSubmatch(e.Message); m != nil {
		p, _, _ := strings.Cut(m[2], "|")
		return p
	}
	return ""
}

// AsAPIError extracts the APIError in err, if any.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// StatusIs reports whether err is an API answer with one of codes.
func StatusIs(err error, codes ...int) bool {
	ae, ok := AsAPIError(err)
	if !ok {
		return false
	}
	for _, c := range codes {
		if ae.Status == c {
			return true
		}
	}
	return false
}

// NodeUnreachable reports whether the proxy could not forward a call to a
// node, or the call timed out.
func NodeUnreachable(err error) bool {
	return errors.Is(err, ErrNodeUnreachable) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err)
}

// memberDown reports whether err means the endpoint itself cannot serve (so
// the next endpoint should be tried), rather than an answer from it.
func memberDown(err error) bool {
	if err == nil {
		return false
	}
	if ae, ok := AsAPIError(err); ok {
		return ae.Status == http.StatusBadGateway || ae.Status == http.StatusServiceUnavailable || ae.Status == http.StatusGatewayTimeout
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrMalformed) {
		return false
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// Describe makes an error short and operator-readable.
func Describe(err error) string {
	switch {
	case errors.Is(err, ErrMalformed):
		return err.Error()
	case errors.Is(err, ErrUnauthorized):
		return "authentication failed: " + err.Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// Explain is Describe plus the privilege a 403 names.
func Explain(err error) string {
	msg := Describe(err)
	if ae, ok := AsAPIError(err); ok {
		if p := ae.Privilege(); p != "" {
			msg += " (the token or user lacks the " + p + " privilege)"
		}
	}
	return msg
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// malformed wraps a decoding error of an answer to path.
type malformed struct {
	product, path string
	err           error
}

func (m *malformed) Error() string {
	return fmt.Sprintf("malformed response (not the JSON the %s API sends) from %s: %v", m.product, m.path, m.err)
}
func (m *malformed) Unwrap() error        { return m.err }
func (m *malformed) Is(target error) bool { return target == ErrMalformed }

// parseErrorBody reads the error details from a body:
// {"data":null,"message":"..."} or {"errors":{...}}.
func parseErrorBody(b []byte) string {
	var body struct {
		Message string          `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(b, &body) != nil {
		return ""
	}
	if body.Message != "" {
		return strings.TrimSpace(body.Message)
	}
	if len(body.Errors) > 0 && string(body.Errors) != "null" {
		return string(body.Errors)
	}
	return ""
}
