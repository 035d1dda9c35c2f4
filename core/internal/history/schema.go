package history

// migrations are the history component's schema steps (append only); see
// database.Migrate.
var migrations = [][]string{
	{
		`CREATE TABLE history_metric (
			id   INTEGER PRIMARY KEY,
			name TEXT NOT NULL UNIQUE
		)`,
		// One row per resource, tier and flush: every pending point of the
		// resource's series in that tier (see codec.go). start is the
		// earliest point's time (unix seconds).
		`CREATE TABLE history_chunk (
			tier     INTEGER NOT NULL,
			resource TEXT    NOT NULL,
			start    INTEGER NOT NULL,
			data     BLOB    NOT NULL
		)`,
		`CREATE INDEX history_chunk_resource ON history_chunk(tier, resource, start)`,
		`CREATE INDEX history_chunk_start ON history_chunk(tier, start)`,
	},
}
