package pve

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

// APIError is a non-success answer of the PVE API.
type APIError struct {
	// Status is the HTTP status code (595 and 596 are pveproxy's own
	// "cannot reach that node" codes).
	Status int
	// Message is PVE's message, from the status line or the body.
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

// permRe matches PVE's "Permission check failed (/path, Priv.Name)".
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

// apiError extracts the APIError in err, if any.
func apiError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// statusIs reports whether err is an API answer with one of codes.
func statusIs(err error, codes ...int) bool {
	ae, ok := apiError(err)
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

// nodeUnreachable: pveproxy could not forward the call to that node.
func nodeUnreachable(err error) bool {
	return statusIs(err, 595, 596) || errors.Is(err, context.DeadlineExceeded)
}

// memberDown reports whether err means the member itself cannot serve (so
// the next member should be tried), rather than an answer from it.
func memberDown(err error) bool {
	if err == nil {
		return false
	}
	if ae, ok := apiError(err); ok {
		return ae.Status == http.StatusBadGateway || ae.Status == http.StatusServiceUnavailable || ae.Status == http.StatusGatewayTimeout
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// describe makes an error short and operator-readable.
func describe(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se), errors.As(err, &te):
		return "malformed response (not the JSON the PVE API sends): " + err.Error()
	case statusIs(err, http.StatusUnauthorized):
		return "authentication failed: " + err.Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timed out: " + err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseErrorBody reads PVE's error details from a body:
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
