package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
)

// store counts the run's rows in ClickHouse over the native protocol (the
// only one ClickHouse 18.16 offers clickhouse-go).
type store struct {
	conn     driver.Conn
	addr     string
	database string
	users    string // the run's user ids as an IN list
}

func openStore(ctx context.Context, addr, database string) (*store, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Protocol:    clickhouse.Native,
		Auth:        clickhouse.Auth{Database: database},
		DialTimeout: 5 * time.Second,
		ReadTimeout: time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot open clickhouse %s/%s: %w", addr, database, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("cannot reach clickhouse at %s (native protocol, database %s): %w; pass -clickhouse with the address `wearstream dev` printed", addr, database, err)
	}
	return &store{conn: conn, addr: addr, database: database}, nil
}

// setUsers restricts the counts to these users; the ids come from the API
// and are checked to be UUIDs before they are put in the query.
func (s *store) setUsers(ids []string) error {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		u, err := uuid.Parse(id)
		if err != nil {
			return fmt.Errorf("user id %q is not a UUID: %w", id, err)
		}
		quoted[i] = "toUUID('" + u.String() + "')"
	}
	s.users = strings.Join(quoted, ",")
	return nil
}

// count returns how many sample rows the run's users have: with final, as
// analysts see them (duplicates collapsed); without, the cheaper raw count.
func (s *store) count(ctx context.Context, final bool) (uint64, error) {
	from := "samples"
	if final {
		from += " FINAL"
	}
	q := "SELECT count() FROM " + from + " WHERE user_id IN (" + s.users + ")"
	var n uint64
	if err := s.conn.QueryRow(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count samples in clickhouse %s/%s: %w", s.addr, s.database, err)
	}
	return n, nil
}

func (s *store) close() { s.conn.Close() }
