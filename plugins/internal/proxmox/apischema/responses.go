package apischema

import (
	"net/http"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/fakeapi"
)

// Reporter is the part of testing.TB that CheckResponses needs.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatal(args ...any)
}

// Responder is a fake Proxmox server that reports every response it serves.
type Responder interface {
	OnResponse(func(fakeapi.Response))
}

// CheckResponses validates every successful, unfaulted response f serves
// from now on against the returns schema of product's committed extract,
// reporting each violation to t. undeclared, when not nil, names the
// properties the real API returns beyond its schema, per path template.
func CheckResponses(t Reporter, f Responder, product string, undeclared func(template string) map[string]bool) {
	t.Helper()
	doc, err := Open(product)
	if err != nil {
		t.Fatal(err)
	}
	f.OnResponse(func(r fakeapi.Response) {
		if r.Status != http.StatusOK || r.Faulted {
			return
		}
		schema, ok := doc.Returns(r.Method, r.Template)
		if !ok {
			t.Errorf("%s %s: no returns schema in the %s extract", r.Method, r.Template, product)
			return
		}
		var o Options
		if undeclared != nil {
			o.Undeclared = undeclared(r.Template)
		}
		for _, err := range ValidateBody(schema, r.Body, o) {
			t.Errorf("%s %s: %v", r.Method, r.Path, err)
		}
	})
}
