package clickhouse

import (
	"reflect"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/wearstream/wearstream/internal/chdb"
)

func TestInsertSettings(t *testing.T) {
	f := func(major, minor uint64, want ch.Settings) {
		t.Helper()
		if got := insertSettings(major, minor); !reflect.DeepEqual(got, want) {
			t.Fatalf("insertSettings(%d.%d) = %v, want %v", major, minor, got, want)
		}
	}
	off := ch.Settings{"async_insert": 0}
	f(18, 16, ch.Settings{}) // 18.16 refuses unknown settings
	f(21, 10, ch.Settings{})
	f(21, 11, off)
	f(26, 2, off)
	f(26, 7, off)
}

// TestAsyncInsertOnCurrentClickHouse shows why the setting is sent: current
// ClickHouse queues inserts by default, and accepts async_insert = 0 on an
// INSERT into the project's tables. (The 18.16 tests show that the Writer
// sends it nowhere else: 18.16 refuses a setting it does not know.)
func TestAsyncInsertOnCurrentClickHouse(t *testing.T) {
	schema, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	run := chdb.MustRun(t, nil, append(schema,
		"SELECT value FROM system.settings WHERE name = 'async_insert'",
		"INSERT INTO deliveries (tenant_id, endpoint_id, id) SETTINGS async_insert = 0 VALUES ('acme', 'ep_1', 'a-1')",
		"SELECT count() AS n FROM deliveries",
	)...)
	r := run.Results[len(schema):]
	if got := r[0].Out; got != "value\nString\n1\n" {
		t.Fatalf("async_insert default on ClickHouse %s: %q, want 1", run.Version, got)
	}
	if got := r[2].Out; got != "n\nUInt64\n1\n" {
		t.Fatalf("rows after a synchronous insert on ClickHouse %s: %q, want 1", run.Version, got)
	}
}
