package fakeengine

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulsehost/pulse/agent/internal/docker/enginespec"
)

var update = flag.Bool("update", false, "rewrite the committed swagger extract from ../shared")

const extractPath = "testdata/engine-definitions.json"

// roots are the definitions of the responses the fake serves.
var roots = []string{"SystemVersion", "SystemInfo", "ContainerSummary", "ContainerInspectResponse",
	"ContainerStatsResponse", "Service", "ErrorResponse"}

// sharedSwagger is the full Engine API description, outside the repository.
const sharedSwagger = "../../../../../shared/api-schemas/docker-engine-v1.51.yaml"

// TestExtractFresh keeps the committed extract equal to what the full
// swagger yields (-update rewrites it); it skips without ../shared.
func TestExtractFresh(t *testing.T) {
	raw, err := os.ReadFile(sharedSwagger)
	if err != nil {
		t.Skipf("the full Engine API swagger is not beside the repository (%v): the committed extract is used as is", err)
	}
	spec, err := enginespec.Extract(raw, roots)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.MarshalIndent(spec, "", " ")
	want = append(want, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(extractPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(extractPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(extractPath)
	if err != nil {
		t.Fatalf("%v (run go test -run TestExtractFresh -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale against %s: run go test ./agent/internal/docker/fakeengine -run TestExtractFresh -update", extractPath, sharedSwagger)
	}
}

// TestResponsesFollowSwagger validates every response the fake serves
// against the Engine API's definitions, for Docker with a swarm and for
// Podman.
func TestResponsesFollowSwagger(t *testing.T) {
	spec, err := enginespec.Load(extractPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{Swarm: true}, {Podman: true}} {
		e := New(o)
		e.Add(&Container{Name: "web", Image: "nginx:1.27", ImageDigest: "sha256:" + string(bytes.Repeat([]byte("ab"), 32)), State: "running",
			Health: "healthy", MemUsed: 1 << 20, MemLimit: 1 << 30, PrivatePort: 80, PublicPort: 8080, Labels: map[string]string{"a": "b"}},
			&Container{Name: "job", Image: "busybox", State: "exited", ExitCode: 2, OOMKilled: true})
		e.AddService(&Service{ID: "svc1", Name: "api", Image: "api:1", Desired: 3, Running: 2, UpdateState: "updating"})
		get := func(path string) []byte {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			return rec.Body.Bytes()
		}
		check := func(def string, body []byte) {
			t.Helper()
			if err := spec.Validate(def, body); err != nil {
				t.Errorf("podman=%v %s: %v\n%s", o.Podman, def, err, body)
			}
		}
		check("SystemVersion", get("/v1.41/version"))
		check("SystemInfo", get("/v1.41/info"))
		var list []json.RawMessage
		body := get("/v1.41/containers/json?all=1")
		if err := json.Unmarshal(body, &list); err != nil || len(list) != 2 {
			t.Fatalf("list: %v %s", err, body)
		}
		for _, c := range list {
			check("ContainerSummary", c)
		}
		for _, n := range []string{"web", "job"} {
			check("ContainerInspectResponse", get("/v1.41/containers/"+n+"/json"))
			check("ContainerStatsResponse", get("/v1.41/containers/"+n+"/stats?stream=false&one-shot=true"))
		}
		if o.Swarm {
			var ss []json.RawMessage
			_ = json.Unmarshal(get("/v1.41/services?status=true"), &ss)
			if len(ss) != 1 {
				t.Fatalf("services: %d", len(ss))
			}
			check("Service", ss[0])
		} else {
			check("ErrorResponse", get("/v1.41/services"))
		}
		check("ErrorResponse", get("/v1.99/info"))
	}
}

// TestValidatorCatchesDrift makes sure the validation can fail.
func TestValidatorCatchesDrift(t *testing.T) {
	spec, err := enginespec.Load(extractPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"Id": 5}`, `{"Id":"x","NotAField":1}`, `{"State":{"Status":"sleeping"}}`, `{"RestartCount":"3"}`} {
		if err := spec.Validate("ContainerInspectResponse", []byte(bad)); err == nil {
			t.Errorf("%s validated", bad)
		}
	}
}
