package history

import (
	"fmt"
	"strings"
	"time"
)

// Tier is one resolution of history.
type Tier struct {
	// Name is how the API reports the tier ("raw", "1m", "1h", "1d").
	Name string
	// Step is the width of one downsampled point (0 for raw samples).
	Step time.Duration
	// Retention is how long the tier's points are kept.
	Retention time.Duration
}

// Tiers are the history's resolutions, finest first. Index 0 is raw.
var Tiers = [numTiers]Tier{
	{Name: "raw", Retention: 2 * time.Hour},
	{Name: "1m", Step: time.Minute, Retention: 24 * time.Hour},
	{Name: "1h", Step: time.Hour, Retention: 30 * 24 * time.Hour},
	{Name: "1d", Step: 24 * time.Hour, Retention: 365 * 24 * time.Hour},
}

const numTiers = 4

// Ranges are the ranges the API accepts, by name.
var Ranges = []struct {
	Name string
	D    time.Duration
}{
	{"1h", time.Hour}, {"6h", 6 * time.Hour}, {"24h", 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}, {"1y", 365 * 24 * time.Hour},
}

// ParseRange maps a range name (1h, 6h, 24h, 7d, 30d, 1y) to its duration.
func ParseRange(s string) (time.Duration, error) {
	var names []string
	for _, r := range Ranges {
		if r.Name == s {
			return r.D, nil
		}
		names = append(names, r.Name)
	}
	return 0, fmt.Errorf("range=%q is not a history range; use one of %s", s, strings.Join(names, ", "))
}

// TierFor returns the index of the finest tier whose retention covers d.
func TierFor(d time.Duration) int {
	for i, t := range Tiers {
		if t.Retention >= d {
			return i
		}
	}
	return numTiers - 1
}
