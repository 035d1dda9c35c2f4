// Package store is the unified resource store of the core: it merges the
// observations of every source (plugin connections and agents) into canonical
// resources following the merge rules of the governed model, tracks
// staleness, relationships, alerts, recovery points and the latest metrics,
// and persists everything but metrics in SQLite.
//
// The whole state lives in memory; readers take a read lock and receive deep
// copies. Writers are serialized: an apply is planned as an overlay on the
// current state without blocking readers, written to SQLite in one
// transaction, and only then swapped into memory under a short write lock, so
// a failed apply leaves memory and disk exactly as they were.
//
// Merge rules (ARCHITECTURE §4 and the seed):
//   - A source record is keyed platform/connection/native-id and maps to
//     exactly one canonical resource whose id is derived from the first source
//     key that created it and never changes while one source remains.
//   - Usable strong identity keys merge records of different sources of the
//     same canonical type when the model allows it: the same platform through
//     two connections, or an agent augmenting a hybrid-capable platform.
//     Weak keys and placeholders never merge; two records of one connection
//     never merge; a record whose keys point at two canonical resources stays
//     separate.
//   - The API-backed source is primary, the agent augments; the merged view
//     records which fields each source contributed.
//   - A failed poll marks a source stale and deletes nothing; a successful
//     snapshot is the complete truth of its source.
package store
