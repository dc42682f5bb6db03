package main

// What the server did for each query shape: the rows and bytes it read
// and its own time, from system.query_log, so a slow query can be told
// apart from a busy machine. Queries are grouped by their text with
// literals and numbers blanked (the client binds arguments into the text).

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// printQueryLog writes the query shapes run since since, by server time.
func printQueryLog(ctx context.Context, w io.Writer, conn driver.Conn, since time.Time) error {
	if err := conn.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return fmt.Errorf("cannot flush logs: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT any(substring(replaceRegexpAll(query, '\\s+', ' '), 1, 160)), count(),
  avg(read_rows), avg(read_bytes) / 1048576, quantile(0.5)(query_duration_ms), quantile(0.99)(query_duration_ms)
FROM system.query_log
WHERE type = 2 AND event_time >= toDateTime(?, 'UTC') AND query LIKE 'SELECT%' AND query LIKE '%tenant_id%'
GROUP BY replaceRegexpAll(replaceRegexpAll(query, '\'[^\']*\'', '?'), '[0-9]+', 'N')
ORDER BY sum(query_duration_ms) DESC`, since.Unix())
	if err != nil {
		return fmt.Errorf("cannot read the query log: %w", err)
	}
	defer rows.Close()
	fmt.Fprintf(w, "\n| query (start) | runs | rows read | MiB read | server p50 ms | server p99 ms |\n|---|---|---|---|---|---|\n")
	for rows.Next() {
		var (
			text      string
			n         uint64
			read, mib float64
			p50, p99  float64
		)
		if err := rows.Scan(&text, &n, &read, &mib, &p50, &p99); err != nil {
			return fmt.Errorf("cannot read the query log: %w", err)
		}
		fmt.Fprintf(w, "| `%s` | %d | %.0f | %.1f | %.0f | %.0f |\n", text, n, read, mib, p50, p99)
	}
	return rows.Err()
}
