package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chserver.StopTestServer()
	os.Exit(code)
}

// TestStoreCount counts a user's samples with and without FINAL on 18.16, and
// runs the same count queries on current ClickHouse with the same rows.
func TestStoreCount(t *testing.T) {
	srv := chserver.TestServer(t)
	db := srv.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := chsink.Connect(ctx, srv.Addr, db, chserver.Tagged(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := chsink.Migrate(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	user := schemas.NameID("acme", "loadgen")
	batch := schemas.SampleBatch{ID: schemas.NameID("batch"), Tenant: "acme", UserID: user, Source: schemas.Source{Provider: "garmin", ID: "garmin:app"},
		SeriesType: "steps", Unit: "count", Version: 1}
	for i := range 3 {
		batch.Samples = append(batch.Samples, schemas.Sample{Time: time.Date(2026, 3, 1, 0, i, 0, 0, time.UTC), Value: float64(i)})
	}
	w := chsink.NewWriter(conn)
	for range 2 { // the same samples twice: two rows each, one under FINAL
		if err := w.Write(ctx, chsink.Rows{Samples: []schemas.SampleBatch{batch}}); err != nil {
			t.Fatal(err)
		}
	}
	s := &store{conn: conn, addr: srv.Addr, database: db}
	if err := s.setUsers([]string{user, schemas.NameID("acme", "other")}); err != nil {
		t.Fatal(err)
	}
	for final, want := range map[bool]uint64{true: 3, false: 6} {
		if n, err := s.count(ctx, final); err != nil || n != want {
			t.Fatalf("count(final=%v) = %d, %v; want %d", final, n, err, want)
		}
	}
	schema, err := chsink.Schema()
	if err != nil {
		t.Fatal(err)
	}
	counts := 0
	for _, q := range srv.ReplayOnCurrent(t, db, schema, nil) {
		if strings.HasPrefix(q, "SELECT count() FROM samples") && strings.Contains(q, "WHERE user_id IN (toUUID('"+user+"'),toUUID(") {
			counts++
		}
	}
	if counts != 2 {
		t.Fatalf("%d count queries replayed, want 2", counts)
	}
}
