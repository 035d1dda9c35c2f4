package apischema

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestExtractsAreFresh regenerates every committed extract from the full
// official description and compares them byte for byte. The full
// descriptions live outside the repository (../shared/api-schemas), so a
// clone with nothing beside it skips this one test; every other test
// validates against the committed extract.
func TestExtractsAreFresh(t *testing.T) {
	root, err := RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range Products {
		paths := PathsFor(root, p)
		if _, err := os.Stat(paths.Endpoints); errors.Is(err, fs.ErrNotExist) {
			continue // no adapter for this product yet
		}
		found++
		t.Run(p, func(t *testing.T) {
			full, err := os.ReadFile(paths.Full)
			if errors.Is(err, fs.ErrNotExist) {
				t.Skipf("the full %s-apidoc.json is not beside the repository (../shared/api-schemas); the committed extract cannot be checked for staleness here, tests use it as is", p)
			}
			if err != nil {
				t.Fatal(err)
			}
			eps, err := ReadEndpoints(paths.Endpoints)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Extract(full, eps)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(paths.Extract)
			if err != nil {
				t.Fatalf("%v (run make schemas)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run make schemas and commit the result", paths.Extract)
			}
		})
	}
	if found == 0 {
		t.Fatal("no endpoint list found under plugins/proxmox-*/testdata/apischema")
	}
}

func TestExtractKeepsValidationFacts(t *testing.T) {
	full := []byte(`[{"path":"/a","info":{},"children":[{"path":"/a/{id}","info":{"GET":{"description":"prose",
		"parameters":{"properties":{"id":{"type":"string"}}},
		"permissions":{"check":["perm","/","Sys.Audit"]},
		"returns":{"type":"array","description":"prose","items":{"type":"object","properties":{
			"n":{"type":"integer","optional":1,"minimum":0,"description":"prose"},
			"description":{"type":"string","optional":1},
			"e":{"type":"string","enum":["x","y"],"typetext":"<x|y>"}}}}},
		"POST":{"returns":{"type":"null"}}}}]}]`)
	out, err := Extract(full, []string{"GET /a/{id}"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`"description": {`, `"minimum": 0`, `"optional": 1`, `"enum"`, `"Sys.Audit"`, `"/a/{id}"`} {
		if !strings.Contains(s, want) {
			t.Errorf("extract lost %s:\n%s", want, s)
		}
	}
	for _, gone := range []string{"prose", "typetext", "parameters", "POST"} {
		if strings.Contains(s, gone) {
			t.Errorf("extract kept %s:\n%s", gone, s)
		}
	}
	d, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Returns("GET", "/a/{id}"); !ok {
		t.Error("the extract does not parse back into a usable description")
	}
	if _, err := Extract(full, []string{"GET /nope"}); err == nil || !strings.Contains(err.Error(), "GET /nope") {
		t.Errorf("missing endpoint: got %v, want an error naming it", err)
	}
}

func TestReadEndpointsRejectsBadLines(t *testing.T) {
	p := t.TempDir() + "/endpoints.txt"
	if err := os.WriteFile(p, []byte("# comment\n\nGET /ok\nget /lower\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEndpoints(p); err == nil || !strings.Contains(err.Error(), ":4:") {
		t.Fatalf("got %v, want an error at line 4", err)
	}
}
