package chserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// One server per test binary: started by the first TestServer call, stopped
// by StopTestServer from the package's TestMain. Tests isolate themselves
// with one database each (NewDatabase).
var testServer struct {
	once sync.Once
	mu   sync.Mutex
	srv  *Server
	dir  string
	err  error
}

// TestServer returns the test binary's shared ClickHouse server, starting it
// on first use, with system.query_log on (see SentQueries). It skips the test when the binary is missing, unless CI=true,
// where that is a failure. WEARSTREAM_CLICKHOUSE_BINARY overrides the binary.
// The package's TestMain must call StopTestServer.
func TestServer(tb testing.TB) *Server {
	tb.Helper()
	if !Available(binary()) {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("clickhouse-server is not installed at %s, and CI=true requires it", binary())
		}
		tb.Skipf("clickhouse-server is not installed at %s", binary())
	}
	testServer.once.Do(func() {
		dir, err := os.MkdirTemp(os.TempDir(), "wearstream-clickhouse-")
		if err != nil {
			testServer.err = fmt.Errorf("cannot create clickhouse test dir: %w", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv, err := Start(ctx, Options{Binary: binary(), Dir: dir, LogQueries: true})
		testServer.mu.Lock()
		defer testServer.mu.Unlock()
		testServer.dir, testServer.srv, testServer.err = dir, srv, err
	})
	testServer.mu.Lock()
	defer testServer.mu.Unlock()
	if testServer.err != nil {
		tb.Fatalf("cannot start the test clickhouse server: %v", testServer.err)
	}
	if testServer.srv == nil {
		tb.Fatal("the test clickhouse server was already stopped")
	}
	return testServer.srv
}

// StopTestServer stops the server TestServer started, if any, and removes
// its directory. Call it from TestMain after m.Run.
func StopTestServer() {
	testServer.mu.Lock()
	defer testServer.mu.Unlock()
	if testServer.srv != nil {
		if err := testServer.srv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "chserver: %v\n", err)
		}
		testServer.srv = nil
	}
	if testServer.dir != "" {
		_ = os.RemoveAll(testServer.dir)
		testServer.dir = ""
	}
}

func binary() string {
	if b := os.Getenv("WEARSTREAM_CLICKHOUSE_BINARY"); b != "" {
		return b
	}
	return DefaultBinary
}

// NewDatabase creates a fresh, uniquely named database for one test and
// drops it when the test ends.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := databaseName(tb.Name())
	if err := s.exec(fmt.Sprintf("CREATE DATABASE `%s`", name)); err != nil {
		tb.Fatalf("cannot create test database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if err := s.exec(fmt.Sprintf("DROP DATABASE IF EXISTS `%s`", name)); err != nil {
			tb.Errorf("cannot drop test database %s: %v", name, err)
		}
	})
	return name
}

// exec runs one statement on the default database over a short-lived
// native connection.
func (s *Server) exec(query string) error {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{s.Addr},
		Protocol:    clickhouse.Native,
		DialTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("cannot open clickhouse connection: %w", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Exec(ctx, query); err != nil {
		return fmt.Errorf("cannot run %q: %w", query, err)
	}
	return nil
}

// databaseName turns a test name into a valid, unique database name.
func databaseName(testName string) string {
	var b strings.Builder
	b.WriteString("test_")
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}
