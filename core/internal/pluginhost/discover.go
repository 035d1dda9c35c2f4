// Package pluginhost finds, launches, negotiates with, checks and supervises
// platform plugins, and polls their connections into the store.
//
// One process runs per platform id that has at least one enabled connection.
// A plugin that claims more than the governed model admits is refused; a
// crashed or hung plugin is restarted with capped exponential backoff while
// its last-known resources stay in the store, marked stale with the reason.
package pluginhost

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BinaryPrefix is the file name prefix of plugin binaries:
// pulse-plugin-<platform-id>.
const BinaryPrefix = "pulse-plugin-"

// Found is one plugin binary on disk.
type Found struct {
	// Platform is the platform id taken from the file name.
	Platform string `json:"platform"`
	// Path is the binary's absolute path.
	Path string `json:"path"`
	// Shadowed lists binaries for the same platform found later in the
	// search order and ignored.
	Shadowed []string `json:"shadowed,omitempty"`
}

// SearchDirs returns the directories searched for plugins, in order:
// plugin_dir (when set), the directory of the running binary, and ./bin.
func SearchDirs(pluginDir string) []string {
	var dirs []string
	if pluginDir != "" {
		dirs = append(dirs, pluginDir)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dirs = append(dirs, filepath.Dir(exe))
	}
	dirs = append(dirs, "bin")
	seen := map[string]bool{}
	var out []string
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil || seen[abs] {
			continue
		}
		seen[abs] = true
		out = append(out, abs)
	}
	return out
}

// Discover lists the plugin binaries in dirs; the first binary found for a
// platform wins.
func Discover(dirs []string) []Found {
	byPlatform := map[string]*Found{}
	var order []string
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasPrefix(name, BinaryPrefix) || e.IsDir() {
				continue
			}
			id := strings.TrimSuffix(strings.TrimPrefix(name, BinaryPrefix), ".exe")
			info, err := e.Info()
			if err != nil || info.Mode()&0o111 == 0 {
				continue
			}
			path := filepath.Join(dir, name)
			if f, ok := byPlatform[id]; ok {
				f.Shadowed = append(f.Shadowed, path)
				continue
			}
			byPlatform[id] = &Found{Platform: id, Path: path}
			order = append(order, id)
		}
	}
	sort.Strings(order)
	out := make([]Found, 0, len(order))
	for _, id := range order {
		out = append(out, *byPlatform[id])
	}
	return out
}
