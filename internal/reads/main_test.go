package reads

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chserver.StopTestServer()
	os.Exit(code)
}

// fixture is a fresh migrated database of the shared test server, written
// through the sink's own writer, and a Reader on it.
type fixture struct {
	t      *testing.T
	conn   driver.Conn
	reader *Reader
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := chserver.TestServer(t)
	db := srv.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := chsink.Connect(ctx, srv.Addr, db, chserver.Tagged(db))
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := chsink.Migrate(ctx, conn, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	// Every query the test sent, on current ClickHouse too (chdb), with
	// the same answers as 18.16 gives.
	t.Cleanup(func() {
		schema, err := chsink.Schema()
		if err != nil {
			t.Fatal(err)
		}
		srv.ReplayOnCurrent(t, db, schema, nil)
	})
	return &fixture{t: t, conn: conn, reader: New(conn)}
}

func (f *fixture) write(rows chsink.Rows) {
	f.t.Helper()
	if err := chsink.NewWriter(f.conn).Write(context.Background(), rows); err != nil {
		f.t.Fatalf("Write: %v", err)
	}
}

const tenant = "acme"

var user = schemas.NameID(tenant, "user-1")

// at is a sample at the local wall-clock time s (RFC 3339 with its offset).
func at(s string, value float64) schemas.Sample {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	_, off := t.Zone()
	return schemas.Sample{Time: t.UTC(), Value: value, ZoneOffset: int32(off / 60)}
}

// batch is a SampleBatch of user's series from source (provider:device).
func batch(userID, seriesType, provider, source string, samples ...schemas.Sample) schemas.SampleBatch {
	st, _ := schemas.LookupSeriesType(seriesType)
	return schemas.SampleBatch{
		ID:         schemas.NameID(tenant, userID, source, seriesType, samples[0].Time.String()),
		Tenant:     tenant,
		UserID:     userID,
		Source:     schemas.Source{Provider: provider, ID: source, Name: provider + " app", Device: "dev-" + source},
		SeriesType: seriesType,
		Unit:       st.Unit,
		Version:    1,
		RawEventID: "raw-1",
		IngestedAt: time.Now().UTC(),
		Samples:    samples,
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
