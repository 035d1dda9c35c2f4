// Command genmanifest writes PLATFORM_SUPPORT_MANIFEST.json from the governed
// model. It is run by go generate in core/platform.
package main

import (
	"fmt"
	"os"

	"github.com/pulsehost/pulse/core/platform"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genmanifest OUTPUT.json")
		os.Exit(2)
	}
	b, err := platform.ManifestJSON()
	if err == nil {
		err = os.WriteFile(os.Args[1], b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genmanifest:", err)
		os.Exit(1)
	}
}
