package clickhouse

import (
	"context"
	"reflect"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

func TestMigrateIsIdempotent(t *testing.T) {
	conn := newDatabase(t, false)
	ctx := context.Background()

	all, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range all {
		want = append(want, m.name)
	}
	applied, err := Migrate(ctx, conn, nil)
	if err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	if want[0] != "0001_init.sql" || want[1] != "0002_deliveries.sql" || !reflect.DeepEqual(applied, want) {
		t.Fatalf("first Migrate applied %v, want %v", applied, want)
	}
	applied, err = Migrate(ctx, conn, nil)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, want nothing", applied)
	}
	if n := count(t, conn, "SELECT count() FROM schema_migrations"); n != uint64(len(want)) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(want))
	}
	for _, table := range []string{"samples", "workouts", "sleep", "deliveries", "summaries"} {
		if n := count(t, conn, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = ?", table); n != 1 {
			t.Fatalf("table %s missing", table)
		}
		if n := count(t, conn, "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = ? AND comment = ''", table); n != 0 {
			t.Fatalf("table %s has %d columns without a comment", table, n)
		}
	}
}

func TestEnsureDatabase(t *testing.T) {
	conn := newDatabase(t, false)
	ctx := context.Background()
	name := "ensure_" + currentDatabase(t, conn)
	t.Cleanup(func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`") })
	for range 2 {
		if err := EnsureDatabase(ctx, conn, name); err != nil {
			t.Fatalf("EnsureDatabase: %v", err)
		}
	}
	if err := EnsureDatabase(ctx, conn, "bad-name; DROP"); err == nil {
		t.Fatal("EnsureDatabase accepted an invalid name")
	}
}

func currentDatabase(t *testing.T, conn driver.Conn) string {
	t.Helper()
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT currentDatabase()").Scan(&name); err != nil {
		t.Fatalf("currentDatabase: %v", err)
	}
	return name
}

func TestSplitStatements(t *testing.T) {
	f := func(sql string, want ...string) {
		t.Helper()
		if got := splitStatements(sql); !reflect.DeepEqual(got, want) {
			t.Fatalf("splitStatements(%q)\n got %q\nwant %q", sql, got, want)
		}
	}
	f("")
	f("-- only a comment;\n")
	f("SELECT 1", "SELECT 1")
	f("SELECT 1;\nSELECT 2;\n", "SELECT 1", "SELECT 2")
	f("-- doc; with semicolon\nCREATE t (a String COMMENT 'x; y', b String COMMENT 'it\\'s; z');\n-- trailing\n",
		"-- doc; with semicolon\nCREATE t (a String COMMENT 'x; y', b String COMMENT 'it\\'s; z')")
	f("SELECT `a;b`;", "SELECT `a;b`")
}
