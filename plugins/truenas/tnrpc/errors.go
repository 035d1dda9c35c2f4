package tnrpc

import (
	"encoding/json"
	"errors"
	"fmt"
)

// JSON-RPC 2.0 error codes TrueNAS uses.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternal       = -32603
	// CodeCallError is TrueNAS's "method call error": data carries the errno
	// name (ENOTAUTHENTICATED, EACCES, ENOENT, EINVAL ...) and the reason.
	CodeCallError = -32001
)

// Sentinel errors callers recognise with errors.Is.
var (
	// ErrNotAuthenticated: the session is not logged in (ENOTAUTHENTICATED).
	ErrNotAuthenticated = errors.New("not authenticated")
	// ErrAccessDenied: the credentials lack a role the method needs (EACCES).
	ErrAccessDenied = errors.New("access denied")
	// ErrMethodNotFound: the server does not know the method.
	ErrMethodNotFound = errors.New("method not found")
	// ErrNotFound: the object asked for does not exist (ENOENT).
	ErrNotFound = errors.New("not found")
	// ErrLoginRefused: auth.login_with_api_key answered false.
	ErrLoginRefused = errors.New("api key refused")
	// ErrConnectionLost: the WebSocket ended while a call was in flight.
	ErrConnectionLost = errors.New("connection lost")
	// ErrProtocol: the server sent a frame that is not JSON-RPC 2.0.
	ErrProtocol = errors.New("protocol error")
	// ErrInsecureTransport: an API key would travel over plain ws://.
	ErrInsecureTransport = errors.New("insecure transport")
	// ErrClosed: the client was closed.
	ErrClosed = errors.New("client closed")
	// ErrJobFailed: a job ended FAILED or ABORTED.
	ErrJobFailed = errors.New("job failed")
)

// Error is a JSON-RPC error answer, decoded.
type Error struct {
	// Method is the method called.
	Method string
	// Code is the JSON-RPC error code.
	Code int
	// Message is the JSON-RPC message.
	Message string
	// Errno and ErrName are TrueNAS's error number and name, when given.
	Errno   int
	ErrName string
	// Reason is TrueNAS's human-readable reason, when given.
	Reason string
}

// wireError is the error member of a response.
type wireError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    *struct {
		Error   int             `json:"error"`
		ErrName string          `json:"errname"`
		Reason  string          `json:"reason"`
		Trace   json.RawMessage `json:"trace"`
		Extra   json.RawMessage `json:"extra"`
	} `json:"data"`
}

func (w *wireError) toError(method string) *Error {
	e := &Error{Method: method, Code: w.Code, Message: w.Message}
	if w.Data != nil {
		e.Errno, e.ErrName, e.Reason = w.Data.Error, w.Data.ErrName, w.Data.Reason
	}
	return e
}

func (e *Error) Error() string {
	msg := e.Reason
	if msg == "" {
		msg = e.Message
	}
	if e.ErrName != "" {
		return fmt.Sprintf("%s: %s: %s", e.Method, e.ErrName, msg)
	}
	return fmt.Sprintf("%s: %s (code %d)", e.Method, msg, e.Code)
}

// Is matches the sentinel errors.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotAuthenticated:
		return e.ErrName == "ENOTAUTHENTICATED"
	case ErrAccessDenied:
		return e.ErrName == "EACCES" || e.ErrName == "EPERM"
	case ErrMethodNotFound:
		return e.Code == CodeMethodNotFound || e.ErrName == "ENOMETHOD"
	case ErrNotFound:
		return e.ErrName == "ENOENT"
	}
	return false
}
