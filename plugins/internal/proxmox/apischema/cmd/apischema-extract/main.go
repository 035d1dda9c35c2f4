// Command apischema-extract writes the committed API schema extracts of the
// Proxmox adapters from the full official descriptions:
//
//	go run ./plugins/internal/proxmox/apischema/cmd/apischema-extract [-full DIR] [product...]
//
// For each product (default: every product that has an endpoint list), it
// reads plugins/proxmox-<product>/testdata/apischema/endpoints.txt and
// <DIR>/<product>-apidoc.json (DIR defaults to ../shared/api-schemas beside
// the repository root) and writes <product>-apidoc.extract.json beside the
// endpoint list. `make schemas` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulsehost/pulse/plugins/internal/proxmox/apischema"
)

func main() {
	full := flag.String("full", "", "directory holding <product>-apidoc.json (default: ../shared/api-schemas beside the repository root)")
	flag.Parse()
	if err := run(*full, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "apischema-extract:", err)
		os.Exit(1)
	}
}

func run(fullDir string, products []string) error {
	root, err := apischema.RepoRoot(".")
	if err != nil {
		return err
	}
	if len(products) == 0 {
		for _, p := range apischema.Products {
			if _, err := os.Stat(apischema.PathsFor(root, p).Endpoints); err == nil {
				products = append(products, p)
			}
		}
	}
	for _, p := range products {
		paths := apischema.PathsFor(root, p)
		if fullDir != "" {
			paths.Full = filepath.Join(fullDir, p+"-apidoc.json")
		}
		eps, err := apischema.ReadEndpoints(paths.Endpoints)
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(paths.Full)
		if err != nil {
			return fmt.Errorf("%s: the full description is needed to regenerate the extract: %w", p, err)
		}
		out, err := apischema.Extract(raw, eps)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := os.WriteFile(paths.Extract, out, 0o644); err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, paths.Extract)
		fmt.Printf("wrote %s (%d endpoints, %d bytes)\n", rel, len(eps), len(out))
	}
	return nil
}
