package clickhouse

import (
	"strings"
	"testing"

	"github.com/wearstream/wearstream/internal/chdb"
)

// The erasure's statements run on current ClickHouse as they do on 18.16
// (where TestErasureHolds runs them): with mutations made synchronous for
// the test, the erased user's rows are gone from every table and the other
// user's rows and the user.deleted attempt stay.
func TestErasureOnCurrentClickHouse(t *testing.T) {
	statements, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	const jane, joe = "6f1c1f7e-3a4b-4b8e-9a51-1f0e2d3c4b5a", "0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
	for _, u := range []string{jane, joe} {
		statements = append(statements,
			"INSERT INTO samples (tenant_id, user_id, series_type, ts, provider, value) VALUES ('t', toUUID('"+u+"'), 'steps', toDateTime('2026-01-01 00:00:00', 'UTC'), 'apple', 1)",
			"INSERT INTO workouts (tenant_id, user_id, id, provider, start_time, end_time) VALUES ('t', toUUID('"+u+"'), generateUUIDv4(), 'apple', now(), now())",
			"INSERT INTO deliveries (tenant_id, id, user_id, event_type, attempted_at) VALUES ('t', 'a1"+u+"', '"+u+"', 'steps.created', now()), ('t', 'a2"+u+"', '"+u+"', 'user.deleted', now())",
		)
	}
	statements = append(statements, "SET mutations_sync = 1")
	for _, d := range userDeletions([]string{jane}) {
		statements = append(statements, "SELECT count() FROM "+d.table+" WHERE "+d.where, "ALTER TABLE "+d.table+" DELETE WHERE "+d.where)
	}
	check := "SELECT toString(user_id), count() FROM samples GROUP BY user_id UNION ALL SELECT toString(user_id), count() FROM workouts GROUP BY user_id" +
		" UNION ALL SELECT concat(user_id, ' ', event_type), count() FROM deliveries GROUP BY user_id, event_type ORDER BY 1"
	statements = append(statements, check)
	run := chdb.MustRun(t, nil, statements...)
	got := strings.TrimSpace(run.Results[len(run.Results)-1].Out)
	for _, want := range []string{joe + "\t1", joe + " steps.created\t1", joe + " user.deleted\t1", jane + " user.deleted\t1"} {
		if !strings.Contains(got, want) {
			t.Fatalf("ClickHouse %s after the erasure:\n%s\nwant a line %q", run.Version, got, want)
		}
	}
	if n := strings.Count(got, jane); n != 1 {
		t.Fatalf("ClickHouse %s left %d lines of the erased user:\n%s", run.Version, n, got)
	}
}
