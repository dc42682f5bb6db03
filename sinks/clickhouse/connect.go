// Package clickhouse stores canonical records in ClickHouse: the table
// migrations, a Writer that inserts samples, workouts and sleep sessions,
// and a Sink that consumes the canonical Kafka topics into the Writer.
//
// It runs on ClickHouse 18.16 (what CI can install) and on current
// ClickHouse: native protocol only, every INSERT through PrepareBatch with an
// explicit column list, and DDL in the subset both versions accept (see
// migrations/0001_init.sql).
package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Option configures Connect.
type Option func(*clickhouse.Options)

// Auth sets the user name and password; the default is the passwordless
// "default" user.
func Auth(username, password string) Option {
	return func(o *clickhouse.Options) {
		o.Auth.Username, o.Auth.Password = username, password
	}
}

// Timeouts sets how long to wait for a connection and for each read from
// the server; the defaults are 10 s and 60 s.
func Timeouts(dial, read time.Duration) Option {
	return func(o *clickhouse.Options) {
		o.DialTimeout, o.ReadTimeout = dial, read
	}
}

// LZ4 compresses blocks on the wire, worth it when ClickHouse is across a
// network rather than on loopback.
func LZ4() Option {
	return func(o *clickhouse.Options) {
		o.Compression = &clickhouse.Compression{Method: clickhouse.CompressionLZ4}
	}
}

// Connect opens a native-protocol connection pool to addr (host:port) on
// database, and pings it.
func Connect(ctx context.Context, addr, database string, opts ...Option) (driver.Conn, error) {
	o := &clickhouse.Options{
		Addr:            []string{addr},
		Protocol:        clickhouse.Native,
		Auth:            clickhouse.Auth{Database: database},
		DialTimeout:     10 * time.Second,
		ReadTimeout:     60 * time.Second,
		ConnMaxLifetime: time.Hour,
		ClientInfo: clickhouse.ClientInfo{Products: []struct{ Name, Version string }{
			{Name: "wearstream", Version: "1"},
		}},
	}
	for _, opt := range opts {
		opt(o)
	}
	conn, err := clickhouse.Open(o)
	if err != nil {
		return nil, fmt.Errorf("cannot open clickhouse %s/%s: %w", addr, database, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("cannot reach clickhouse %s/%s: %w", addr, database, err)
	}
	return conn, nil
}
