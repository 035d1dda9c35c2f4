// Command genmanifest writes PLATFORM_SUPPORT_MANIFEST.json and the README's
// support matrix from the governed model, and the README's metric vocabulary
// table from core/resource. It is run by go generate in
// core/platform.
package main

import (
	"fmt"
	"os"

	"github.com/pulsehost/pulse/core/platform"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: genmanifest MANIFEST.json README.md")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "genmanifest:", err)
		os.Exit(1)
	}
}

func run(manifest, readme string) error {
	b, err := platform.ManifestJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		return err
	}
	doc, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	out, ok := platform.SpliceMatrix(string(doc))
	if !ok {
		return fmt.Errorf("%s has no %q ... %q markers", readme, platform.MatrixBegin, platform.MatrixEnd)
	}
	if out, ok = platform.SpliceMetrics(out); !ok {
		return fmt.Errorf("%s has no %q ... %q markers", readme, platform.MetricsBegin, platform.MetricsEnd)
	}
	return os.WriteFile(readme, []byte(out), 0o644)
}
