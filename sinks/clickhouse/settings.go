package clickhouse

// The Writer's inserts are synchronous on every server. ClickHouse 26.2 turned
// async_insert on by default, which puts every INSERT in the server's queue
// for up to 200 ms before it is written; the sink batches already, so each
// insert turns it off where the server knows the setting (21.11 and later).
// ClickHouse 18.16 refuses unknown settings, so the server's version decides,
// read once from the connection's handshake.

import (
	"context"
	"fmt"
	"sync"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// serverSettings holds the insert settings for the connection's server,
// worked out on first use.
type serverSettings struct {
	once     sync.Once
	settings ch.Settings
	err      error
}

// insertSettings are the settings every insert sends to a server of this
// version.
func insertSettings(major, minor uint64) ch.Settings {
	if major > 21 || major == 21 && minor >= 11 {
		return ch.Settings{"async_insert": 0}
	}
	return ch.Settings{}
}

// get returns the insert settings for conn's server.
func (s *serverSettings) get(conn driver.Conn) (ch.Settings, error) {
	s.once.Do(func() {
		v, err := conn.ServerVersion()
		if err != nil {
			s.err = fmt.Errorf("cannot read the clickhouse server version: %w", err)
			return
		}
		s.settings = insertSettings(v.Version.Major, v.Version.Minor)
	})
	return s.settings, s.err
}

// insertContext is ctx with the insert settings of w's server plus extra.
func (w *Writer) insertContext(ctx context.Context, extra ch.Settings) (context.Context, error) {
	base, err := w.server.get(w.conn)
	if err != nil {
		return nil, err
	}
	settings := ch.Settings{}
	for k, v := range base {
		settings[k] = v
	}
	for k, v := range extra {
		settings[k] = v
	}
	return ch.Context(ctx, ch.WithSettings(settings)), nil
}
