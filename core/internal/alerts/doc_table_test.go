package alerts

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's built-in rules table")

func TestReadmeBuiltins(t *testing.T) {
	const readme = "../../../README.md"
	doc, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	want, ok := SpliceBuiltins(string(doc))
	if !ok {
		t.Fatal("README.md lacks the built-in alert rules markers")
	}
	if *update {
		if err := os.WriteFile(readme, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(doc) {
		t.Fatal("README.md's built-in alert rules table is stale: run go test ./core/internal/alerts -run TestReadmeBuiltins -update")
	}
}
