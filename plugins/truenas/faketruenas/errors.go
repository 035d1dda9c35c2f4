package faketruenas

import "syscall"

// JSON-RPC error codes the middleware uses.
const (
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
	codeCallError      = -32001
)

// rpcError is an error answer.
type rpcError struct {
	Code    int
	Message string
	Errno   int
	ErrName string
	Reason  string
}

func (e *rpcError) wire() map[string]any {
	w := map[string]any{"code": e.Code, "message": e.Message}
	if e.ErrName != "" || e.Reason != "" {
		w["data"] = map[string]any{"error": e.Errno, "errname": e.ErrName, "reason": e.Reason, "trace": nil, "extra": []any{}}
	}
	return w
}

var errnos = map[string]int{
	"EPERM": int(syscall.EPERM), "ENOENT": int(syscall.ENOENT), "EACCES": int(syscall.EACCES),
	"EINVAL": int(syscall.EINVAL), "EFAULT": int(syscall.EFAULT), "ENOTAUTHENTICATED": 207,
}

// callError is the middleware's CallError: code -32001 with errname and
// reason in data.
func callError(errname, reason string) *rpcError {
	return &rpcError{Code: codeCallError, Message: reason, Errno: errnos[errname], ErrName: errname, Reason: reason}
}

func errInvalid(reason string) *rpcError {
	return &rpcError{Code: codeInvalidParams, Message: "Invalid params", Errno: errnos["EINVAL"], ErrName: "EINVAL", Reason: reason}
}
