package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sourceHash hashes the dashboard's sources the way ui/stamp.mjs does.
func sourceHash(t *testing.T) string {
	t.Helper()
	var files []string
	for _, in := range []string{"index.html", "package.json", "package-lock.json", "vite.config.js", "stamp.mjs", "src"} {
		err := filepath.WalkDir(filepath.Join("ui", in), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel("ui", p)
			files = append(files, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("ui", f))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(strings.ReplaceAll(string(b), "\r\n", "\n")))
		io.WriteString(h, f+"\n"+hex.EncodeToString(sum[:])+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestBuildIsFresh fails when ui/ changed after dist/ was built: run
// `make web` (npm ci and vite build in ui/) and commit dist/.
func TestBuildIsFresh(t *testing.T) {
	b, err := fs.ReadFile(dist, "dist/source-hash.txt")
	if err != nil {
		t.Fatalf("dist/source-hash.txt missing: the dashboard was not built with `make web`: %v", err)
	}
	if got, want := strings.TrimSpace(string(b)), sourceHash(t); got != want {
		t.Fatalf("the committed dashboard build (dist/) is stale: built from sources %s, sources are now %s; run `make web` and commit core/internal/web/dist", got, want)
	}
}

func TestHandlerServesAppAndAssets(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	get := func(p string) (*http.Response, string) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, index := get("/")
	if resp.StatusCode != 200 || !strings.Contains(index, `<div id="app">`) {
		t.Fatalf("/: %d %s", resp.StatusCode, index)
	}
	if strings.Contains(index, "http://") || strings.Contains(index, "https://") {
		t.Error("index.html loads something from another host; the dashboard must work offline")
	}
	if _, deep := get("/resources/vm-123"); deep != index {
		t.Error("an app route does not get index.html")
	}
	start := strings.Index(index, "/assets/")
	end := strings.Index(index[start:], `"`)
	asset := index[start : start+end]
	resp, body := get(asset)
	if resp.StatusCode != 200 || len(body) == 0 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("%s: %d, %d bytes, cache %q", asset, resp.StatusCode, len(body), resp.Header.Get("Cache-Control"))
	}
}
