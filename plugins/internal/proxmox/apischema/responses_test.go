package apischema

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
)

type recorder struct{ errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

type responder struct{ hook func(fakeapi.Response) }

func (s *responder) OnResponse(fn func(fakeapi.Response)) { s.hook = fn }

func TestCheckResponsesReportsWhatTheSchemaRefuses(t *testing.T) {
	rec, srv := &recorder{}, &responder{}
	CheckResponses(rec, srv, "pve", nil)
	ok := fakeapi.Response{Method: "GET", Template: "/version", Path: "/version", Status: http.StatusOK,
		Body: []byte(`{"data":{"version":"9.0.3","release":"9.0","repoid":"abcdef12"}}`)}
	srv.hook(ok)
	if len(rec.errs) != 0 {
		t.Fatalf("a valid answer was reported: %v", rec.errs)
	}
	bad := ok
	bad.Body = []byte(`{"data":{"version":9}}`)
	srv.hook(bad)
	faulted := bad
	faulted.Faulted = true
	srv.hook(faulted) // an injected fault is not the fake's answer
	unknown := ok
	unknown.Template = "/nope"
	srv.hook(unknown)
	all := strings.Join(rec.errs, "\n")
	for _, want := range []string{"GET /version: data.version: is number, schema wants string", "GET /nope: no returns schema in the pve extract"} {
		if !strings.Contains(all, want) {
			t.Errorf("reports lack %q:\n%s", want, all)
		}
	}
}
