// Package history keeps metric history per resource in tiers with automatic
// downsampling: raw samples for 2 hours, 1-minute points for 24 hours,
// 1-hour points for 30 days and 1-day points for a year. Every downsampled
// point keeps the minimum, maximum and mean of the samples it summarizes, so
// peaks are not averaged away.
//
// Memory holds only what is not yet on disk: each series' pending samples
// (since the last flush) and its open downsampling buckets. A flush (every
// FlushInterval) writes one row per resource and tier holding every pending
// point of that resource, in one transaction, into the history_chunk table of
// the core's SQLite file, and prunes each tier past its retention. Memory is
// therefore bounded by the number of series, not by time.
//
// Counters (names ending in _total in the canonical vocabulary) are recorded
// as per-second rates derived between consecutive samples, with Prometheus'
// reset handling: a value lower than its predecessor counts from zero.
package history
