package hello_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/pulsehost/pulse/plugins/sdk"
	"github.com/pulsehost/pulse/plugins/sdk/examples/hello"
	"github.com/pulsehost/pulse/plugins/sdk/sdktest"
)

func TestHelloOverGRPC(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api2/json/version" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"data":{"version":"8.2","release":"1"}}`))
	}))
	defer srv.Close()

	c := sdktest.New(t, hello.New(hclog.NewNullLogger()))
	ctx := context.Background()
	info, err := c.Info(ctx)
	if err != nil || info.ApiVersion != 1 || info.Declaration.PlatformId != "proxmox-pmg" {
		t.Fatalf("info = %v, %v", info, err)
	}
	sdktest.Configure(t, c, "mail", map[string]string{"endpoint": srv.URL}, sdk.TLSConfig{})
	rep, err := c.Check(ctx, "mail")
	if err != nil || !rep.OK() || rep.EndpointVersion != "8.2" {
		t.Fatalf("check = %+v, %v", rep, err)
	}
	snap, err := sdktest.Collect(ctx, c, "mail")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Resources) != 1 || snap.Resources[0].Type != "pmg" || string(snap.Resources[0].Attributes) != `{"version":"8.2"}` {
		t.Fatalf("resources = %v", snap.Resources)
	}
	if _, err := sdktest.Collect(ctx, c, "nope"); err == nil {
		t.Fatal("collect of an unconfigured connection succeeded")
	}
}
