package mcp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Backend carries one request to the core's HTTP API (paths such as
// /api/v1/resources) and returns the status code and body of its answer.
// The tools read and act only through it.
type Backend interface {
	Do(ctx context.Context, method, path string, query url.Values, body []byte) (status int, respBody []byte, err error)
}

// maxBody bounds an API answer the tools read (a 10,000-resource listing is
// about 10 MiB).
const maxBody = 64 << 20

// InProcess is a Backend that calls the core's API handler directly, without
// a network hop. The daemon uses it for /mcp, so an MCP request is answered by
// exactly the handlers that answer the API.
func InProcess(api http.Handler) Backend { return handlerBackend{h: api} }

type handlerBackend struct{ h http.Handler }

func (b handlerBackend) Do(ctx context.Context, method, path string, query url.Values, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, requestURL("http://pulse.internal", path, query), bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = "127.0.0.1:0"
	if v, _ := ctx.Value(authorizationKey{}).(string); v != "" {
		req.Header.Set("Authorization", v)
	}
	rec := &recorder{header: http.Header{}}
	b.h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.status, rec.body.Bytes(), nil
}

// recorder is the in-process ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body.Len()+len(p) > maxBody {
		return 0, fmt.Errorf("api answer exceeds %d bytes", maxBody)
	}
	return r.body.Write(p)
}

// authorizationKey carries the Authorization header of the MCP request being
// answered, so that an in-process call to the API acts with the caller's
// credentials (when the API handler checks them).
type authorizationKey struct{}

func withAuthorization(ctx context.Context, v string) context.Context {
	if v == "" {
		return ctx
	}
	return context.WithValue(ctx, authorizationKey{}, v)
}

// Remote is a Backend that talks HTTP to a running core at base (for example
// http://127.0.0.1:7655). token, when not empty, is sent as a bearer token.
func Remote(base string, client *http.Client, token string) Backend {
	if client == nil {
		// Generous: a confirmed action waits for the platform's answer.
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	return httpBackend{base: strings.TrimRight(base, "/"), client: client, token: token}
}

type httpBackend struct {
	base   string
	client *http.Client
	token  string
}

func (b httpBackend) Do(ctx context.Context, method, path string, query url.Values, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, requestURL(b.base, path, query), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("the core's API at %s is not answering (is `pulse serve` running with this configuration?): %w", b.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, fmt.Errorf("read %s %s: %w", method, path, err)
	}
	if len(data) > maxBody {
		return 0, nil, fmt.Errorf("%s %s: answer exceeds %d bytes", method, path, maxBody)
	}
	return resp.StatusCode, data, nil
}

func requestURL(base, path string, query url.Values) string {
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}
