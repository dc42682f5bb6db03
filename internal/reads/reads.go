// Package reads is wearstream's read side: the queries behind the read API
// (the gateway's /timeseries, /events/*, /summaries/* routes), and the ones
// `wearstream mcp` and the console will use. Handlers parse and answer;
// every query lives here, so a query is fixed once for all of them. It only
// reads ClickHouse, never writes.
//
// What it reads, and how:
//
//   - timeseries.go: samples of one user, raw or bucketed (1min, 5min,
//     15min, 1hour, and 1day by the user's local day). It reads the samples
//     table with FINAL over one user's sort-key range (tenant, user, series
//     type, time), which is safe there because a sample's time is in its key
//     and so every revision of a sample is in the same monthly partition.
//     A bucket is one item per (series type, bucket, source), its value the
//     catalog's aggregation of the series (schemas.Aggregation: mean, sum,
//     max, or the latest value for body measures).
//   - events.go: workouts and sleep sessions of one user. Their tables are
//     partitioned by start month but keyed by id, so a revision that moves a
//     record to another month, or a delete that carries only the id, sits in
//     another partition; a time filter applied under FINAL would prune it and
//     bring the deleted row back (ClickHouse 18.16 and current versions up to
//     26.2). So FINAL runs over the user's key range only, in a subquery,
//     and the time and deleted filters apply to its result.
//   - cursor.go: keyset cursors. A page ends at a position in the query's
//     order (the sort key); the next page starts after it, never at an
//     OFFSET. A cursor carries a digest of the tenant, user, route and
//     filters it was made for, and is refused for any other query.
//
// Times are UTC instants plus the local offset in minutes at that instant;
// a day is the user's local day, toDate(ts + zone_offset * 60), never the
// UTC day. Every condition on FINAL reads runs with optimize_move_to_prewhere
// = 0, so the deleted filter applies after FINAL collapsed the revisions.
// The SQL runs on ClickHouse 18.16 and on current ClickHouse: no DateTime64,
// toStartOfInterval, window functions or server-side query parameters
// (arguments are bound by the client).
package reads

import (
	"context"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Page sizes: Open Wearables' default, and the most a bulk reader may ask for.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Reader runs the read queries on one ClickHouse database.
type Reader struct {
	conn driver.Conn
}

// New returns a Reader on conn.
func New(conn driver.Conn) *Reader { return &Reader{conn: conn} }

// Source says where an item came from, as Open Wearables' SourceMetadata:
// the provider, the writer's stable id and name, and the device when known.
type Source struct {
	Provider   string
	ID         string
	Name       string
	Device     string
	DeviceType string
}

// Page is one page of a keyset-paged list.
type Page[T any] struct {
	Items []T
	// Next is the cursor of the following page, "" when this is the last.
	Next string
	// Previous is the cursor of the preceding page, "" on the first page.
	Previous string
	// Total is how many items the whole query matches.
	Total uint64
}

// ParamError is a query parameter that cannot be answered (an unknown
// type, an end before the start, a cursor of another query, ...); Param
// names it, so an API answers 400 naming the parameter.
type ParamError struct {
	Param   string
	Message string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Message }

func paramError(param, message string) error { return &ParamError{Param: param, Message: message} }

// checkLimit checks a page size; 0 means DefaultLimit.
func checkLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 1 || limit > MaxLimit:
		return 0, paramError("limit", "must be a whole number from 1 to 10000")
	}
	return limit, nil
}

// finalContext keeps every WHERE condition out of PREWHERE, which on 18.16
// runs before FINAL collapses revisions and would let an older revision of
// a deleted row through.
func finalContext(ctx context.Context) context.Context {
	return ch.Context(ctx, ch.WithSettings(ch.Settings{"optimize_move_to_prewhere": 0}))
}
