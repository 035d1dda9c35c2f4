package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/pulsehost/pulse/core/platform"
)

func runPlatforms(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("platforms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "output format: table or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"platforms": platform.Views()})
	case "table":
		writePlatformTables(stdout)
	default:
		fmt.Fprintf(stderr, "pulse platforms: --format %q is not known; use table or json\n", *format)
		return 2
	}
	return 0
}

func writePlatformTables(w io.Writer) {
	fmt.Fprintln(w, "SUPPORT MATRIX")
	floorTable(w, func(p platform.Platform) bool { return p.Supported() })
	fmt.Fprintln(w, "\nADMITTED, NOT SUPPORTED (proposed floor; not a support claim)")
	floorTable(w, func(p platform.Platform) bool { return p.Admission == platform.AdmissionAdmitted })

	fmt.Fprintln(w, "\nPROJECTION MATRIX")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PLATFORM\tFAMILY\tSTATE\tPRIMARY MODE\tONBOARDING\tOPTIONAL AUGMENTATION\tCANONICAL PROJECTIONS")
	for _, p := range platform.All() {
		if p.Admission == platform.AdmissionPresentationOnly {
			continue
		}
		aug := "none"
		if p.Augmentation != nil {
			aug = p.Augmentation.Description
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Family, p.SupportState(), p.Mode, p.Onboarding, aug, strings.Join(p.Projections, ", "))
	}
	tw.Flush()

	var pres []string
	for _, p := range platform.PresentationOnly() {
		pres = append(pres, string(p.ID))
	}
	fmt.Fprintf(w, "\nPresentation-only vocabulary (never support, never a connection): %s\n", strings.Join(pres, ", "))
	fmt.Fprintln(w, "Runtime variants: podman inside docker; qemu and lxc inside proxmox-pve.")
}

// floorTable prints the support-floor rows of the platforms keep selects.
func floorTable(w io.Writer, keep func(platform.Platform) bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"PLATFORM"}
	for _, s := range platform.Surfaces {
		head = append(head, strings.ToUpper(string(s)))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, p := range platform.All() {
		if p.Floor == nil || !keep(p) {
			continue
		}
		cells := []string{string(p.ID)}
		for _, s := range platform.Surfaces {
			c := string(p.Floor.Class(s))
			if s == platform.SurfaceSetup {
				c = p.Floor.SetupDetail
			}
			cells = append(cells, c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}
