package chserver

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopTestServer()
	os.Exit(code)
}

func skipWithoutBinary(t *testing.T) {
	t.Helper()
	if !Available("") {
		if os.Getenv("CI") == "true" {
			t.Fatal("clickhouse-server is required when CI=true")
		}
		t.Skip("clickhouse-server is not installed")
	}
}

func open(t *testing.T, addr, database string) driver.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Auth:        clickhouse.Auth{Database: database},
		Protocol:    clickhouse.Native,
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("cannot open: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestStartRestartKeepsData(t *testing.T) {
	skipWithoutBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()

	srv, err := Start(ctx, Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	conn := open(t, srv.Addr, "default")
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := conn.Exec(ctx, "CREATE TABLE kept (k LowCardinality(String), v UInt64) ENGINE = MergeTree ORDER BY k"); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := conn.Exec(ctx, "INSERT INTO kept (k, v) SELECT toString(number), number FROM system.numbers LIMIT 1000"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	conn.Close()
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	select {
	case <-srv.Exited():
	default:
		t.Fatal("server still running after Stop")
	}

	again, err := Start(ctx, Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { _ = again.Stop() })
	conn = open(t, again.Addr, "default")
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM kept").Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	if n != 1000 {
		t.Fatalf("after restart: got %d rows, want 1000", n)
	}
	conn.Close() // an open connection delays the server's shutdown
	if err := again.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestStartFailureShowsLog(t *testing.T) {
	skipWithoutBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first, err := Start(ctx, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = first.Stop() })
	_, portText, _ := net.SplitHostPort(first.Addr)
	port, _ := strconv.Atoi(portText)
	httpPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	// The native port is taken and fixed, so the second server cannot bind.
	_, err = Start(ctx, Options{Dir: t.TempDir(), TCPPort: port, HTTPPort: httpPort})
	if err == nil {
		t.Fatal("Start on a taken port succeeded")
	}
	t.Logf("expected error: %v", err)
}

func TestTestServerAndNewDatabase(t *testing.T) {
	srv := TestServer(t)
	var db string
	t.Run("db", func(t *testing.T) {
		db = srv.NewDatabase(t)
		conn := open(t, srv.Addr, db)
		if err := conn.Exec(context.Background(), "CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x"); err != nil {
			t.Fatalf("create: %v", err)
		}
	})
	if TestServer(t) != srv {
		t.Fatal("TestServer returned a second server")
	}
	conn := open(t, srv.Addr, "default")
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err != nil {
		t.Fatalf("query: %v", err)
	}
	if n != 0 {
		t.Fatalf("database %s not dropped after its test", db)
	}
}

// TestStartStopsOrphanedServer starts a server on a directory where the
// previous server still runs, as after a kill -9 of its parent: the new
// start stops the old server and starts on the same ports and data.
func TestStartStopsOrphanedServer(t *testing.T) {
	skipWithoutBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	old, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = old.Stop() })
	tcp, _ := strconv.Atoi(old.Addr[strings.LastIndexByte(old.Addr, ':')+1:])
	http, _ := strconv.Atoi(old.HTTPAddr[strings.LastIndexByte(old.HTTPAddr, ':')+1:])

	// The old server is left running, as its parent would have left it.
	srv, err := Start(ctx, Options{Dir: dir, TCPPort: tcp, HTTPPort: http})
	if err != nil {
		t.Fatalf("Start over an orphaned server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	select {
	case <-old.Exited():
	default:
		t.Fatalf("the orphaned server pid %d still runs", old.PID)
	}
	if err := open(t, srv.Addr, "default").Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
